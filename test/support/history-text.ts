/**
 * A workflow history as searchable text. `fetchHistory()` gives each payload's bytes as base64
 * (`{ metadata, data }`), so searching `JSON.stringify(history)` for a value finds nothing even
 * when the value is there: this decodes every payload's `data` (and metadata values) in place, so
 * that `expect(historyText(h)).not.toContain(secret)` means something.
 */
export function historyText(history: unknown): string {
  return JSON.stringify(history, (key, v: unknown) => (key === 'data' && typeof v === 'string' ? Buffer.from(v, 'base64').toString('utf8') : v));
}
