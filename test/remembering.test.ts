import t from 'tap'
import { remembering } from '../src/modules/imports/platform-data.js'

// An import run hashes each driver's ID number once (src/modules/imports/platform-data.ts): the
// answers are the function's own, and the memory it keeps is bounded.

t.test('a remembered function answers as the function does, calling it once a value, up to its bound', async (t) => {
  const calls: string[] = []
  const hash = remembering((v) => { calls.push(v); return `h(${v})` }, 3)
  t.same(['a', 'b', 'a', 'c', 'b', 'a'].map(hash), ['h(a)', 'h(b)', 'h(a)', 'h(c)', 'h(b)', 'h(a)'], 'the same answers')
  t.same(calls, ['a', 'b', 'c'], 'each value computed once')
  // A fourth value: the three remembered are forgotten, and computed again when they come back.
  t.equal(hash('d'), 'h(d)')
  t.equal(hash('a'), 'h(a)')
  t.same(calls, ['a', 'b', 'c', 'd', 'a'], 'at most three kept: full, it starts again')
})
