import { readFile } from 'node:fs/promises'
import t from 'tap'
import { httpStatusFor } from '../src/api/errors.js'
import { errorClasses, ReelError } from '../src/errors.js'

interface DocRow { code: string, status: number, className: string, meaning: string }

async function documentedCodes (): Promise<Map<string, DocRow>> {
  const text = await readFile(new URL('../docs/ERRORS.md', import.meta.url), 'utf8')
  const rows = new Map<string, DocRow>()
  for (const line of text.split('\n')) {
    const match = /^\| `(REEL_ERR_[A-Z_]+)` \| (\d{3}) \| `(\w+)` \| (.+) \|$/.exec(line)
    if (match === null) continue
    const [, code = '', status = '', className = '', meaning = ''] = match
    rows.set(code, { code, status: Number(status), className, meaning })
  }
  return rows
}

function codeOf (errorClass: (typeof errorClasses)[number]): string {
  const Ctor = errorClass as unknown as new (message: string, extra?: unknown) => ReelError
  return new Ctor('probe', 0).code
}

t.test('every error class is documented in docs/ERRORS.md with its HTTP status', async t => {
  const rows = await documentedCodes()
  for (const errorClass of errorClasses) {
    const code = codeOf(errorClass)
    const row = rows.get(code)
    t.ok(row, `${code} (${errorClass.name}) has a row in docs/ERRORS.md`)
    if (row === undefined) continue
    t.equal(row.className, errorClass.name, `${code} names its class`)
    t.equal(row.status, httpStatusFor(code), `${code}: the documented status is the one the API sends`)
    t.ok(row.meaning.length > 20, `${code} says what to do`)
  }
})

t.test('every documented code belongs to an error class', async t => {
  const codes = new Set(errorClasses.map(codeOf))
  for (const code of (await documentedCodes()).keys()) t.ok(codes.has(code), `${code} in docs/ERRORS.md is a class in src/errors.ts`)
})

t.test('codes are unique and follow the REEL_ERR_ naming', async t => {
  const codes = errorClasses.map(codeOf)
  t.equal(new Set(codes).size, codes.length)
  for (const code of codes) t.match(code, /^REEL_ERR_[A-Z_]+$/)
})
