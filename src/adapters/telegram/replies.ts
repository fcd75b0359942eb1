/**
 * Sending helpers: every text goes in HTML parse mode, split below 4096 characters; edits fall
 * back to a new message when the old one cannot be edited, and "message is not modified" counts
 * as success (specs/telegram.md §9 items 14, 20).
 */
import { GrammyError, type InlineKeyboard } from 'grammy'
import type { BotContext } from './context.js'
import { splitText } from './html.js'

/** Sends `text` (split when long); the keyboard goes on the last part. */
export async function sendLong (ctx: BotContext, text: string, keyboard?: InlineKeyboard): Promise<void> {
  const parts = splitText(text)
  for (let i = 0; i < parts.length; i++) {
    const last = i === parts.length - 1
    await ctx.reply(parts[i]!, { parse_mode: 'HTML', ...(last && keyboard !== undefined ? { reply_markup: keyboard } : {}) })
  }
}

/** True for "message is not modified" (an edit with identical text and markup). */
export function isNotModified (err: unknown): boolean {
  return err instanceof GrammyError && err.error_code === 400 && /message is not modified/i.test(err.description)
}

/** True for errors after which an edit should become a new message. */
function cannotEdit (err: unknown): boolean {
  return err instanceof GrammyError && err.error_code === 400 &&
    /message to edit not found|message can't be edited|there is no text in the message to edit|message_id_invalid/i.test(err.description)
}

/** Edits the message the pressed button belongs to, or sends a new one. */
export async function editOrSend (ctx: BotContext, edit: boolean, text: string, keyboard?: InlineKeyboard): Promise<void> {
  const message = ctx.callbackQuery?.message
  if (edit && message !== undefined && 'text' in message && message.text !== undefined && text.length <= 4096) {
    try {
      await ctx.editMessageText(text, { parse_mode: 'HTML', ...(keyboard !== undefined ? { reply_markup: keyboard } : {}) })
      return
    } catch (err) {
      if (isNotModified(err)) return
      if (!cannotEdit(err)) throw err
    }
  }
  await sendLong(ctx, text, keyboard)
}
