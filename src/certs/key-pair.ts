// Key pairs: made by node:crypto, written as PKCS#8 PEM (`PRIVATE KEY`, which Node's tls, OpenSSL and Go's
// crypto/tls all read for both EC and RSA keys), and handed to @peculiar/x509 as WebCrypto keys for signing.
import { createPrivateKey, createPublicKey, generateKeyPair as generateNodeKeyPair, webcrypto, type KeyObject } from 'node:crypto';
import { promisify } from 'node:util';
import { CertsError } from './certs-error.js';

export type KeyType = 'ecdsa' | 'rsa';
export const KEY_TYPES: readonly KeyType[] = ['ecdsa', 'rsa'];
export const KEY_TYPE_NAMES: Record<KeyType, string> = { ecdsa: 'ECDSA P-256', rsa: 'RSA 4096' };

const RSA_BITS = 4096;

/** How each key type signs: ECDSA with SHA-256, RSA PKCS#1 v1.5 with SHA-256 (what every TLS stack verifies). */
const IMPORT_ALGORITHM: Record<KeyType, EcKeyImportParams | RsaHashedImportParams> = {
  ecdsa: { name: 'ECDSA', namedCurve: 'P-256' },
  rsa: { name: 'RSASSA-PKCS1-v1_5', hash: 'SHA-256' },
};
const SIGNING_ALGORITHM: Record<KeyType, Algorithm | EcdsaParams> = {
  ecdsa: { name: 'ECDSA', hash: 'SHA-256' },
  rsa: { name: 'RSASSA-PKCS1-v1_5' },
};

export interface KeyPair {
  keyType: KeyType;
  /** PKCS#8 PEM, to be written with mode 0400. */
  privateKeyPem: string;
  privateKey: CryptoKey;
  publicKey: CryptoKey;
  /** DER SubjectPublicKeyInfo, to compare a key with a certificate. */
  spki: Buffer;
  signingAlgorithm: Algorithm | EcdsaParams;
}

const generate = promisify(generateNodeKeyPair);

async function fromKeyObject(keyType: KeyType, key: KeyObject): Promise<KeyPair> {
  const subtle = webcrypto.subtle;
  const pkcs8 = key.export({ format: 'der', type: 'pkcs8' });
  const spki = createPublicKey(key).export({ format: 'der', type: 'spki' });
  const privateKey = await subtle.importKey('pkcs8', pkcs8, IMPORT_ALGORITHM[keyType], false, ['sign']);
  const publicKey = await subtle.importKey('spki', spki, IMPORT_ALGORITHM[keyType], true, ['verify']);
  return {
    keyType,
    privateKeyPem: key.export({ format: 'pem', type: 'pkcs8' }) as string,
    privateKey,
    publicKey,
    spki,
    signingAlgorithm: SIGNING_ALGORITHM[keyType],
  };
}

/** A new key pair: ECDSA P-256, or RSA 4096 (which takes seconds). */
export async function generateKeyPair(keyType: KeyType): Promise<KeyPair> {
  const { privateKey } = keyType === 'ecdsa' ? await generate('ec', { namedCurve: 'P-256' }) : await generate('rsa', { modulusLength: RSA_BITS, publicExponent: 0x10001 });
  return fromKeyObject(keyType, privateKey);
}

/** A private key read back from PEM; only the key types dockgate makes are accepted. */
export async function loadKeyPair(pem: string | Buffer, file: string): Promise<KeyPair> {
  let key: KeyObject;
  try {
    key = createPrivateKey(pem);
  } catch (err) {
    throw new CertsError(`${file}: not a readable unencrypted private key (${(err as Error).message})`);
  }
  if (key.asymmetricKeyType === 'ec' && key.asymmetricKeyDetails?.namedCurve === 'prime256v1') return fromKeyObject('ecdsa', key);
  if (key.asymmetricKeyType === 'rsa' && (key.asymmetricKeyDetails?.modulusLength ?? 0) >= 2048) return fromKeyObject('rsa', key);
  const details = key.asymmetricKeyDetails?.namedCurve ?? key.asymmetricKeyDetails?.modulusLength;
  throw new CertsError(`${file}: a ${key.asymmetricKeyType}${details === undefined ? '' : ` (${details})`} key; dockgate signs with ECDSA P-256 or RSA keys of at least 2048 bits`);
}
