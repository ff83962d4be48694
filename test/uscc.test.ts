import t from 'tap'
import { checkUscc, organisationCodeCheck, usccCheckCharacter } from '../src/modules/enterprises/uscc.js'

t.test('every passing vector from DOMAIN.md passes both checks', async (t) => {
  for (const code of ['91350100M000100Y43', '91440300708461136T', '9111010831813798XE', '91110108551385082Q', '51610700305332460K', '91440106MA59ABCD1M']) {
    t.same(checkUscc(code), { uscc: code }, code)
  }
})

t.test('failing vectors from DOMAIN.md are refused with the expected check character', async (t) => {
  const a = checkUscc('91350200M000000510')
  t.equal(a.failure?.code, 'uscc_check_character')
  t.match(a.failure, { expected: 'D' })
  const b = checkUscc('91350128M00000019A')
  t.equal(b.failure?.code, 'uscc_check_character')
  t.match(b.failure, { expected: 'F' })
})

t.test('the check character is computed from the first 17 characters', async (t) => {
  t.equal(usccCheckCharacter('91350200M00000051'), 'D')
  t.equal(usccCheckCharacter('91350128M00000019'), 'F')
  t.equal(usccCheckCharacter('91440106MA59ABCD1'), 'M')
})

t.test('a check of 31 maps to 0', async (t) => {
  // Find a prefix whose weighted sum is 0 mod 31: all zeros.
  t.equal(usccCheckCharacter('00000000000000000'), '0')
})

t.test('length and alphabet are checked before the check character', async (t) => {
  t.equal(checkUscc('91440106MA59ABCD1').failure?.code, 'uscc_length')
  t.equal(checkUscc('91440106MA59ABCD1MM').failure?.code, 'uscc_length')
  for (const bad of ['I', 'O', 'S', 'V', 'Z', '-']) {
    const result = checkUscc(`91440106MA59ABCD${bad}M`)
    t.equal(result.failure?.code, 'uscc_character', bad)
    t.match(result.failure, { position: 17 })
  }
})

t.test('lower case is accepted and normalised', async (t) => {
  t.same(checkUscc('91440106ma59abcd1m'), { uscc: '91440106MA59ABCD1M' })
})

t.test('the embedded organisation code of every passing vector passes its own check', async (t) => {
  for (const code of ['91350100M000100Y43', '91440300708461136T', '9111010831813798XE', '91110108551385082Q', '51610700305332460K', '91440106MA59ABCD1M']) {
    t.equal(organisationCodeCheck(code.slice(8, 16)), code[16], code)
  }
})

t.test('organisation code check: 10 is written X and 11 is written 0', async (t) => {
  t.equal(organisationCodeCheck('31813798'), 'X')
  t.equal(organisationCodeCheck('00000000'), '0')
  t.equal(organisationCodeCheck('AB-CDEFG'), undefined)
})

t.test('an organisation code mismatch is a warning, not a failure', async (t) => {
  // 91440106MA59ABCD1M with its organisation check character changed, and the USCC check recomputed.
  const first17 = '91440106MA59ABCD2'
  const code = first17 + usccCheckCharacter(first17)
  const result = checkUscc(code)
  t.equal(result.failure, undefined)
  t.same(result.organisationCodeMismatch, { expected: '1', actual: '2' })
})
