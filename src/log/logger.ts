// Operational logs: JSON lines on stderr (the audit trail is separate and never goes through here).
import { pino, type Logger } from 'pino';

export type { Logger };

export function createLogger(level: string = process.env.DOCKGATE_LOG_LEVEL ?? 'info'): Logger {
  return pino({ base: undefined, level }, pino.destination({ fd: 2, sync: false }));
}
