/** An uploaded file part of a multipart request, recorded by name and size only. */
export interface UploadedFile {
  kind: 'upload'
  fileName: string
  contentType: string
  size: number
}

/**
 * Parses a multipart/form-data body into text fields and file parts. Good enough for the
 * Bot API's uploads (sendPhoto/sendDocument); file contents are not kept.
 */
export function parseMultipart (body: Buffer, contentType: string): Record<string, string | UploadedFile> {
  const match = /boundary=(?:"([^"]+)"|([^;]+))/i.exec(contentType)
  const boundary = match?.[1] ?? match?.[2]
  if (boundary === undefined) throw new Error('multipart body without boundary')
  const delimiter = Buffer.from(`--${boundary}`)
  const fields: Record<string, string | UploadedFile> = {}
  let pos = body.indexOf(delimiter)
  while (pos !== -1) {
    const start = pos + delimiter.length
    if (body.subarray(start, start + 2).toString() === '--') break
    const next = body.indexOf(delimiter, start)
    if (next === -1) break
    // Each part: CRLF, headers, CRLF CRLF, content, CRLF before the next delimiter.
    const part = body.subarray(start + 2, next - 2)
    const headerEnd = part.indexOf('\r\n\r\n')
    if (headerEnd !== -1) {
      const headers = part.subarray(0, headerEnd).toString('utf8')
      const content = part.subarray(headerEnd + 4)
      const disposition = /content-disposition:([^\r\n]*)/i.exec(headers)?.[1] ?? ''
      const name = /\bname="([^"]*)"/i.exec(disposition)?.[1]
      // quoted or not (grammY writes `filename=<name>` bare)
      const fileMatch = /\bfilename=(?:"([^"]*)"|([^;\r\n]*))/i.exec(disposition)
      const fileName = fileMatch === null ? undefined : (fileMatch[1] ?? fileMatch[2] ?? '').trim()
      const type = /content-type:\s*([^\r\n]*)/i.exec(headers)?.[1]?.trim()
      if (name !== undefined) {
        fields[name] = fileName !== undefined
          ? { kind: 'upload', fileName, contentType: type ?? 'application/octet-stream', size: content.length }
          : content.toString('utf8')
      }
    }
    pos = next
  }
  return fields
}
