import type { TgErrorBody } from './types.js'

/** A Bot API failure; the emulator answers it as `{ ok: false, error_code, description, parameters? }`. */
export class TelegramApiError extends Error {
  readonly errorCode: number
  readonly parameters?: TgErrorBody['parameters']

  constructor (errorCode: number, description: string, parameters?: TgErrorBody['parameters']) {
    super(description)
    this.name = 'TelegramApiError'
    this.errorCode = errorCode
    if (parameters !== undefined) this.parameters = parameters
  }

  toBody (): TgErrorBody {
    return {
      error_code: this.errorCode,
      description: this.message,
      ...(this.parameters !== undefined ? { parameters: this.parameters } : {})
    }
  }
}

export const badRequest = (what: string): TelegramApiError => new TelegramApiError(400, `Bad Request: ${what}`)

export const forbidden = (what: string): TelegramApiError => new TelegramApiError(403, `Forbidden: ${what}`)

export const unauthorized = (): TelegramApiError => new TelegramApiError(401, 'Unauthorized')

export const notFound = (): TelegramApiError => new TelegramApiError(404, 'Not Found')

export const conflict = (what: string): TelegramApiError => new TelegramApiError(409, `Conflict: ${what}`)

export const tooManyRequests = (retryAfter: number): TelegramApiError =>
  new TelegramApiError(429, `Too Many Requests: retry after ${retryAfter}`, { retry_after: retryAfter })

export const QUERY_TOO_OLD = 'query is too old and response timeout expired or query ID is invalid'
