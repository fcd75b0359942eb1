/**
 * pino logger with secrets removed twice over: known secret fields are redacted by path, and
 * every secret value from the configuration is scrubbed from any string that reaches a log
 * line (a token inside an error message or a URL is still caught).
 *
 * @example
 * const logger = createLogger({ level: 'info', secrets: config.secrets })
 * logger.child({ module: 'payme' }).info('ready')
 */
import { pino, type Logger, type DestinationStream } from 'pino'

export type { Logger }

export const REDACT_PATHS = [
  'req.headers.authorization',
  'req.headers.cookie',
  'req.headers["x-telegram-bot-api-secret-token"]',
  'req.headers["stripe-signature"]',
  'headers.authorization',
  '*.token', '*.secret', '*.secretKey', '*.key', '*.password', '*.apiKey', '*.webhookSecret',
  'token', 'secret', 'secretKey', 'password', 'apiKey', 'webhookSecret', 'authorization'
]

const TELEGRAM_TOKEN_IN_TEXT = /\d{5,20}:[A-Za-z0-9_-]{35}/g
/** A dashboard login code in a URL (`/login?code=…`, decision 0040): one-time, but live until used. */
const LOGIN_CODE_IN_TEXT = /([?&]code=)[A-Za-z0-9_-]{20,}/g

export interface LoggerOptions {
  level: string
  secrets?: readonly string[]
  destination?: DestinationStream
}

/** Replaces every known secret value (and anything shaped like a bot token) in `text`. */
export function scrubSecrets (text: string, secrets: readonly string[]): string {
  let out = text
  for (const secret of secrets) {
    if (secret.length > 0 && out.includes(secret)) out = out.split(secret).join('[REDACTED]')
  }
  return out.replace(TELEGRAM_TOKEN_IN_TEXT, '[REDACTED]').replace(LOGIN_CODE_IN_TEXT, '$1[REDACTED]')
}

export function createLogger (options: LoggerOptions): Logger {
  const secrets = [...(options.secrets ?? [])].sort((a, b) => b.length - a.length)
  return pino({
    level: options.level,
    redact: { paths: REDACT_PATHS, censor: '[REDACTED]' },
    hooks: {
      // Last line of defence: whatever is serialised, no secret value leaves the process.
      streamWrite: (line) => scrubSecrets(line, secrets)
    }
  }, options.destination)
}
