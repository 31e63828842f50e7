// dockgate's certificate authority: `dockgate certs` (init, issue, revoke, crl, list) and, for `serve` and
// `dockgate audit`, the expiry warnings, the layout of a CA directory and where its revocation records disagree.
export { caLayout, type CaLayout } from './ca-layout.js';
export { initCa, DEFAULT_CA_DAYS, DEFAULT_SERVER_DAYS, DEFAULT_CRL_DAYS, type InitOptions, type InitResult, type CertificateSummary } from './init-ca.js';
export { issueClient, DEFAULT_CLIENT_DAYS, type IssueOptions, type IssueResult } from './issue-client.js';
export { revokeCertificates, refreshCrl, type RevokeOptions, type RevokeResult, type RefreshCrlOptions, type CrlWritten } from './revocation.js';
export { renewServer, type RenewServerOptions } from './renew-server.js';
export { readRevocationRecords, revocationDisagreements, describeDisagreement, type Disagreement, type RevocationRecords } from './revocation-state.js';
export { listCertificates, type CertificateListing, type CrlSummary, type Listing, type ListOptions } from './list-certificates.js';
export { certificateExpiryWarnings, type ExpiryWarning, type WarningKind } from './expiry-warnings.js';
export { certificateStatus, DEFAULT_THRESHOLD_DAYS, type CertificateStatus } from './certificate-status.js';
export { REVOCATION_REASONS, type RevocationReason } from './crl.js';
export { KEY_TYPES, type KeyType } from './key-pair.js';
export { CertsError } from './certs-error.js';
