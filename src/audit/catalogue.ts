// Every rule `dockgate audit` can report, with its stable id, default severity, title, remediation and
// the CIS Docker Benchmark v1.6.0 item it corresponds to. Ids never change meaning; a rule that goes
// away leaves its id unused. README.md lists them; docs/audit-report.schema.json describes the output.
import type { Finding, Severity } from './finding.js';

export interface Rule {
  id: string;
  severity: Severity;
  title: string;
  remediation: string;
  cis?: string;
}

const RULES: readonly Rule[] = [
  // How the API is reached.
  {
    id: 'api.tcp-plaintext',
    severity: 'critical',
    title: 'The Engine API listens on TCP without TLS',
    cis: '2.7',
    remediation:
      'Remove the tcp:// host, or serve it with --tlsverify and a CA of its own (tlscacert, tlscert, tlskey); better, put dockgate in front and keep the engine on its unix socket',
  },
  {
    id: 'api.tcp-no-client-verify',
    severity: 'critical',
    title: 'The Engine API listens on TCP with TLS but does not verify client certificates',
    cis: '2.7',
    remediation: 'Set tlsverify: true with tlscacert naming a CA of your own, so that only holders of a client certificate it signed are answered',
  },
  {
    id: 'api.listener-undeclared',
    severity: 'medium',
    title: 'dockerd listens on a TCP address that its configuration does not declare',
    remediation: 'Find where the listener comes from (an override unit, a socket unit, a flag added by hand) and remove it, or declare it with TLS',
  },
  {
    id: 'api.listener-declared-absent',
    severity: 'low',
    title: 'The configuration declares an API host that dockerd does not listen on',
    remediation: 'The running daemon was started differently from its configuration: restart it, or correct the configuration so that it says what runs',
  },
  // The engine as it reports itself.
  {
    id: 'engine.authz-bypass-cve-2024-41110',
    severity: 'critical',
    title: 'Authorization plugins are in use on an engine version affected by CVE-2024-41110',
    cis: '2.12',
    remediation: 'Upgrade the engine (27.1.1, 26.1.5, 25.0.6, 23.0.15 or later in each line), or confirm that your distribution backported the fix',
  },
  { id: 'engine.end-of-life', severity: 'medium', title: 'The engine version is no longer maintained upstream', cis: '1.2.2', remediation: 'Upgrade to a maintained Docker Engine release' },
  {
    id: 'engine.no-authorization',
    severity: 'low',
    title: 'Nothing authorizes API requests: whoever reaches the engine may do anything',
    cis: '2.12',
    remediation: 'Put dockgate in front of the engine (dockgate serve) and leave the raw socket to root only, or configure an authorization plugin',
  },
  {
    id: 'engine.authz-plugin-not-active',
    severity: 'high',
    title: 'An authorization plugin is configured but the running engine does not use it',
    cis: '2.12',
    remediation: 'Restart the daemon so that the configured plugin is loaded, and check that it is installed and enabled',
  },
  { id: 'engine.swarm-active', severity: 'low', title: 'Swarm mode is active', cis: '5.1', remediation: 'Leave the swarm (docker swarm leave) on hosts that do not need it' },
  { id: 'engine.warning', severity: 'low', title: 'The engine reports a warning about its own configuration', remediation: 'Resolve the condition the engine warns about' },
  { id: 'engine.experimental', severity: 'low', title: 'Experimental features are enabled', cis: '2.18', remediation: 'Remove experimental: true (or --experimental) on production hosts' },
  { id: 'engine.debug-logging', severity: 'low', title: 'The daemon logs at debug level', cis: '2.3', remediation: 'Set log-level to info' },
  {
    id: 'engine.insecure-registry',
    severity: 'medium',
    title: 'Images are pulled from a registry without TLS verification',
    cis: '2.5',
    remediation: 'Remove insecure-registries (--insecure-registry); give the registry a certificate instead',
  },
  { id: 'engine.aufs', severity: 'low', title: 'The aufs storage driver is in use', cis: '2.6', remediation: 'Use overlay2' },
  // The daemon's own settings.
  {
    id: 'daemon.userns-remap-off',
    severity: 'medium',
    title: 'User namespace remapping is off: root in a container is root on the host',
    cis: '2.9',
    remediation: 'Set userns-remap (e.g. "default") with sane /etc/subuid and /etc/subgid ranges, or run the engine rootless',
  },
  {
    id: 'daemon.userns-remap-not-active',
    severity: 'high',
    title: 'userns-remap is configured but the running engine does not remap',
    cis: '2.9',
    remediation: 'Restart the daemon so that the configuration takes effect, and check its log for subordinate id errors',
  },
  {
    id: 'daemon.subid-ranges',
    severity: 'medium',
    title: 'The subordinate id ranges of the remap user are not sane',
    cis: '2.9',
    remediation: 'Give the remap user one range of at least 65536 ids in /etc/subuid and /etc/subgid, above every host account and overlapping no other range',
  },
  {
    id: 'daemon.runs-as-root',
    severity: 'low',
    title: 'The daemon runs as root',
    cis: '2.1',
    remediation: 'Consider rootless mode (dockerd-rootless-setuptool.sh install) where its limits are acceptable',
  },
  {
    id: 'daemon.no-new-privileges-off',
    severity: 'low',
    title: 'Containers may gain new privileges by default (no-new-privileges is not set)',
    cis: '2.14',
    remediation: 'Set "no-new-privileges": true in daemon.json',
  },
  {
    id: 'daemon.icc-enabled',
    severity: 'low',
    title: 'Containers on the default bridge can talk to each other',
    cis: '2.2',
    remediation: 'Set "icc": false and connect containers that must talk through user-defined networks',
  },
  { id: 'daemon.live-restore-off', severity: 'low', title: 'Live restore is off', cis: '2.15', remediation: 'Set "live-restore": true' },
  { id: 'daemon.userland-proxy-on', severity: 'low', title: 'The userland proxy is in use for published ports', cis: '2.16', remediation: 'Set "userland-proxy": false' },
  {
    id: 'daemon.log-driver-local',
    severity: 'low',
    title: 'Container logs stay on this host only',
    cis: '2.13',
    remediation: 'Send logs to a central system (syslog, journald with forwarding, gelf, fluentd, ...)',
  },
  {
    id: 'daemon.iptables-off',
    severity: 'low',
    title: 'Docker may not manage iptables',
    cis: '2.4',
    remediation: 'Remove "iptables": false (--iptables=false) unless the firewall is managed for Docker by other means',
  },
  {
    id: 'daemon.seccomp-unconfined',
    severity: 'high',
    title: 'The daemon-wide seccomp profile is unconfined',
    cis: '2.17',
    remediation: 'Remove seccomp-profile: unconfined so that containers get the default profile',
  },
  { id: 'daemon.seccomp-off', severity: 'medium', title: 'The engine reports no seccomp support', cis: '2.17', remediation: 'Use a kernel and engine built with seccomp' },
  {
    id: 'daemon.config-not-applied',
    severity: 'medium',
    title: 'The configuration says one thing and the running daemon does another',
    remediation: 'Restart the daemon so that it runs its configuration, or correct the configuration',
  },
  {
    id: 'daemon.config-conflict',
    severity: 'medium',
    title: 'A setting is given both as a dockerd flag and in daemon.json: the daemon will refuse to start',
    remediation: 'Keep each setting in one place (for hosts, remove -H from the unit when daemon.json has "hosts")',
  },
  {
    id: 'daemon.config-invalid',
    severity: 'medium',
    title: 'The daemon configuration file cannot be read as JSON: the daemon will refuse to start',
    remediation: 'Fix the file (dockerd --validate --config-file FILE)',
  },
  {
    id: 'daemon.unit-differs',
    severity: 'low',
    title: 'The running dockerd command line differs from its systemd unit',
    remediation: 'Restart the service so that it runs as configured, or find who started dockerd by hand',
  },
  // Files that decide what the daemon does.
  {
    id: 'files.config-writable',
    severity: 'high',
    title: 'A file or directory that configures the daemon can be changed by someone other than root',
    cis: '3.1-3.6, 3.17-3.22',
    remediation: 'chown root:root and chmod go-w the file (644 for files, 755 for directories)',
  },
  // The unix socket and who can reach it.
  {
    id: 'socket.world-writable',
    severity: 'critical',
    title: 'The engine socket is writable by every user: everyone on the host is root',
    cis: '3.16',
    remediation: 'chmod 660 the socket (SocketMode=0660 in docker.socket), owned by root and a group of trusted users',
  },
  { id: 'socket.mode', severity: 'low', title: 'The engine socket has permission bits beyond 0660', cis: '3.16', remediation: 'chmod 660 the socket (SocketMode=0660 in docker.socket)' },
  {
    id: 'socket.owner',
    severity: 'high',
    title: 'The engine socket is owned by a user other than the daemon',
    cis: '3.15',
    remediation: 'chown root (or the rootless daemon user) the socket',
  },
  {
    id: 'socket.group-members',
    severity: 'medium',
    title: "Members of the socket's group are root on this host",
    cis: '1.1.2',
    remediation: 'Remove users who do not need root from the group, or take the socket away from the group (chmod 600) and give them the dockgate socket',
  },
  { id: 'socket.acl', severity: 'high', title: 'An ACL on the engine socket grants users or groups access', cis: '1.1.2', remediation: 'Remove the ACL entries (setfacl -b SOCKET)' },
  {
    id: 'socket.containerd',
    severity: 'critical',
    title: 'The containerd socket can be reached by users other than root',
    cis: '3.23-3.24',
    remediation: 'chown root:root and chmod 660 (or stricter) the containerd socket',
  },
  {
    id: 'gateway.bypassable',
    severity: 'high',
    title: 'dockgate fronts the engine, but the raw engine socket is still reachable around it',
    remediation: 'chmod 600 the raw socket (or remove its group members and ACLs), so that only root and the gateway reach it',
  },
  {
    id: 'gateway.plain-listener',
    severity: 'medium',
    title: 'dockgate serves the Engine API in plain HTTP, without authentication, off loopback',
    remediation:
      'Prefer a unix socket shared with the client in a volume, or mutual TLS (--listen tcp://...?allow= with --tls-*); if plain HTTP must stay, keep allow= to the one network its clients are on, never publish its port, and grant them only what they need (the variables, or a --policy file)',
  },
  {
    id: 'gateway.revocations-disagree',
    severity: 'high',
    title: "The CRL of dockgate serve and its CA's revocation records disagree: a revoked certificate may be admitted again",
    remediation: 'Run dockgate certs crl --dir DIR: it signs a new CRL listing every revocation the CRL, the revocation journal and the inventory hold, and brings the inventory up to date',
  },
  // TLS material.
  {
    id: 'tls.file-missing',
    severity: 'high',
    title: 'A TLS file the daemon is configured with is missing or unreadable',
    cis: '3.9-3.14',
    remediation: 'Restore the file or correct the tlscacert, tlscert and tlskey settings',
  },
  { id: 'tls.cert-expired', severity: 'high', title: 'A TLS certificate of the daemon has expired or is not valid yet', remediation: 'Issue a new certificate and restart the daemon' },
  { id: 'tls.cert-expiring', severity: 'medium', title: 'A TLS certificate of the daemon expires within 30 days', remediation: 'Issue a new certificate before it expires' },
  {
    id: 'tls.key-readable',
    severity: 'high',
    title: 'The TLS private key can be read by users other than its owner, or is not owned by root',
    cis: '3.13-3.14',
    remediation: 'chown root:root and chmod 400 the key',
  },
  {
    id: 'tls.cert-writable',
    severity: 'medium',
    title: 'A TLS certificate file can be changed by users other than root',
    cis: '3.9-3.12',
    remediation: 'chown root:root and chmod 444 the certificate',
  },
  {
    id: 'tls.ca-key-on-host',
    severity: 'medium',
    title: 'The private key of the client CA is kept on the daemon host',
    remediation: 'Move the CA key offline: whoever reads it can issue client certificates the daemon accepts',
  },
  {
    id: 'tls.ca-bundle',
    severity: 'high',
    title: 'The client CA is a bundle of public CAs: any certificate they issue is accepted',
    cis: '2.7',
    remediation: 'Point tlscacert at a CA of your own that signs only Docker client certificates',
  },
  { id: 'tls.server-cert-usage', severity: 'low', title: 'The server certificate is not marked for server authentication', remediation: 'Issue it with extendedKeyUsage = serverAuth' },
  // Containers, running or stopped.
  {
    id: 'container.privileged',
    severity: 'critical',
    title: 'A container is privileged',
    cis: '5.5',
    remediation: 'Recreate it without --privileged; add only the capabilities and devices it needs',
  },
  {
    id: 'container.host-root-mount',
    severity: 'critical',
    title: "A container mounts the host's root filesystem",
    cis: '5.6',
    remediation: 'Recreate it without the bind of / (read-only still exposes every secret on the host)',
  },
  {
    id: 'container.engine-socket-mount',
    severity: 'critical',
    title: 'A container mounts the engine socket (or a directory above it)',
    cis: '5.32',
    remediation: 'Recreate it without the socket; give it the dockgate socket with a policy instead',
  },
  { id: 'container.socket-mount', severity: 'high', title: 'A container mounts a unix socket of a host service', cis: '5.32', remediation: 'Recreate it without the socket bind' },
  {
    id: 'container.sensitive-mount',
    severity: 'high',
    title: 'A container mounts a sensitive host directory',
    cis: '5.6',
    remediation: 'Recreate it without the bind, or with a narrower, read-only one',
  },
  { id: 'container.host-bind', severity: 'low', title: 'A container bind-mounts a host path', remediation: 'Prefer named volumes; keep binds read-only and narrow' },
  {
    id: 'container.mount-propagation',
    severity: 'medium',
    title: 'A container mount propagates mounts to or from the host',
    cis: '5.20',
    remediation: 'Recreate it without shared/rshared propagation',
  },
  { id: 'container.host-pid', severity: 'high', title: "A container shares the host's process namespace", cis: '5.16', remediation: 'Recreate it without --pid host' },
  { id: 'container.host-network', severity: 'high', title: "A container shares the host's network namespace", cis: '5.10', remediation: 'Recreate it without --network host' },
  { id: 'container.host-ipc', severity: 'medium', title: "A container shares the host's IPC namespace", cis: '5.17', remediation: 'Recreate it without --ipc host' },
  { id: 'container.host-uts', severity: 'low', title: "A container shares the host's UTS namespace", cis: '5.21', remediation: 'Recreate it without --uts host' },
  { id: 'container.host-userns', severity: 'high', title: "A container leaves the engine's user namespace remapping", cis: '5.31', remediation: 'Recreate it without --userns host' },
  { id: 'container.namespace-path', severity: 'high', title: 'A container joins a namespace by host path', remediation: 'Recreate it without ns: namespace modes' },
  {
    id: 'container.joins-host-access',
    severity: 'high',
    title: 'A container joins the namespaces of a container that has host access',
    remediation: 'Recreate it without container: namespace modes, or fix the container it joins',
  },
  {
    id: 'container.capabilities',
    severity: 'high',
    title: 'A container adds capabilities beyond the Pod Security baseline',
    cis: '5.4',
    remediation: 'Recreate it without the --cap-add entries it does not need',
  },
  {
    id: 'container.devices',
    severity: 'high',
    title: 'A container has host devices',
    cis: '5.18',
    remediation: 'Recreate it without --device, --device-cgroup-rule and --gpus unless it needs them',
  },
  {
    id: 'container.unconfined',
    severity: 'high',
    title: 'A container runs without seccomp, AppArmor or SELinux confinement',
    cis: '5.2, 5.3, 5.22',
    remediation: 'Recreate it without the unconfined --security-opt',
  },
  {
    id: 'container.masked-paths',
    severity: 'high',
    title: 'A container unmasks /proc and /sys paths the engine protects',
    remediation: 'Recreate it without --security-opt systempaths=unconfined',
  },
  { id: 'container.sysctls', severity: 'medium', title: 'A container sets kernel parameters beyond the Pod Security baseline', remediation: 'Recreate it without the --sysctl entries' },
  { id: 'container.cgroup-parent', severity: 'low', title: 'A container is placed in a host cgroup of its own choosing', cis: '5.25', remediation: 'Recreate it without --cgroup-parent' },
  { id: 'container.runtime-escape', severity: 'medium', title: 'A container has settings that loosen its isolation', remediation: 'Recreate it without them' },
  { id: 'container.no-memory-limit', severity: 'low', title: 'A container has no memory limit', cis: '5.11', remediation: 'Recreate it with --memory' },
  { id: 'container.no-pids-limit', severity: 'low', title: 'A container has no PIDs limit', cis: '5.29', remediation: 'Recreate it with --pids-limit' },
  {
    id: 'container.no-new-privileges',
    severity: 'low',
    title: 'A container may gain new privileges (no-new-privileges is not set)',
    cis: '5.26',
    remediation: 'Recreate it with --security-opt no-new-privileges, or set it daemon-wide',
  },
  {
    id: 'container.port-all-interfaces',
    severity: 'medium',
    title: 'A container publishes a port on every host interface',
    cis: '5.14',
    remediation: 'Publish on a specific address (-p 127.0.0.1:PORT:PORT)',
  },
  // The host as a dedicated Docker server.
  {
    id: 'host.uncontainerised-service',
    severity: 'medium',
    title: 'A network service runs on the host outside containers',
    remediation: 'Move it into a container, or add it to the allow list (--allow-process NAME) if it is a management service',
  },
  {
    id: 'host.uncontainerised-processes',
    severity: 'low',
    title: 'Programs run on the host outside containers that are not management services',
    remediation: 'Run them in containers, or add them to the allow list (--allow-process NAME)',
  },
  {
    id: 'host.storage-not-separate',
    severity: 'low',
    title: 'Container storage is not on a partition of its own',
    cis: '1.1.1',
    remediation: 'Mount a separate filesystem at the data root (e.g. /var/lib/docker)',
  },
  {
    id: 'host.not-audited',
    severity: 'low',
    title: 'Docker files and binaries are not watched by the audit system',
    cis: '1.1.3-1.1.18',
    remediation: 'Add auditd watch rules (-w PATH -k docker) for the daemon, its configuration, data root and sockets',
  },
];

const BY_ID = new Map(RULES.map((rule) => [rule.id, rule]));

export function allRules(): readonly Rule[] {
  return RULES;
}

export function rule(id: string): Rule {
  const found = BY_ID.get(id);
  if (found === undefined) throw new Error(`dockgate audit: unknown rule ${id}`);
  return found;
}

export interface FindingInput {
  evidence: readonly string[];
  subject?: string;
  severity?: Severity;
  /** A more specific title than the rule's. */
  title?: string;
  remediation?: string;
  /** A more specific CIS item than the rule's, or null when this instance has none. */
  cis?: string | null;
  file?: string;
}

/** A finding of rule `id`, with the rule's defaults unless the input says otherwise. */
export function finding(id: string, input: FindingInput): Finding {
  const r = rule(id);
  const cis = input.cis === null ? undefined : (input.cis ?? r.cis);
  return {
    id,
    severity: input.severity ?? r.severity,
    title: input.title ?? r.title,
    ...(input.subject !== undefined && { subject: input.subject }),
    evidence: [...input.evidence],
    remediation: input.remediation ?? r.remediation,
    ...(cis !== undefined && { cis }),
    ...(input.file !== undefined && { file: input.file }),
  };
}
