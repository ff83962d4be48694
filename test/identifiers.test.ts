import t from 'tap'
import { checkPlate, checkResidentId, checkVin, maskResidentId, platePrefixes, residentIdCheckDigit, residentIdsIn, vinCheckDigit } from '../src/modules/licences/identifiers.js'
import { sampleResidentId, samplePlate, sampleVin } from '../src/seed/licence-samples.js'

const today = '2026-11-23'

t.test('resident ID numbers (GB 11643): the vectors from DOMAIN.md', async (t) => {
  t.match(checkResidentId('11010519491231002X', today), { id: '11010519491231002X', birthDate: '1949-12-31', sex: 'female' })
  t.match(checkResidentId('440524188001010014', today), { birthDate: '1880-01-01', sex: 'male' })
  t.equal(checkResidentId('110105194912310021', today).failure?.code, 'id_check_digit')
  t.equal(residentIdCheckDigit('11010519491231002'), 'X')
})

t.test('resident ID numbers: lower-case x, length, characters and impossible or future birth dates', async (t) => {
  t.match(checkResidentId('11010519491231002x', today), { id: '11010519491231002X', birthDate: '1949-12-31' })
  t.equal(checkResidentId('1101051949123100', today).failure?.code, 'id_length')
  t.equal(checkResidentId('11010519491231002Y', today).failure?.code, 'id_character')
  t.equal(checkResidentId('110105194902300026', today).failure?.code, 'id_birth_date', 'February 30th')
  t.equal(checkResidentId('110105203001010010', today).failure?.code, 'id_birth_date', 'born in 2030')
  t.equal(maskResidentId('440106199001011234'), '440106********1234')
})

t.test('resident ID numbers written inside a text: whole, checked, not cut out of a longer run of digits', async (t) => {
  t.same(residentIdsIn('11010519491231002X', today), ['11010519491231002X'])
  t.same(residentIdsIn('YZ11010519491231002x-01', today), ['11010519491231002X'], 'inside a number, lower-case x normalised')
  t.same(residentIdsIn('440524188001010014/11010519491231002X', today), ['440524188001010014', '11010519491231002X'])
  t.same(residentIdsIn('110105194912310021', today), [], 'a wrong check digit is a serial, not an ID number')
  t.same(residentIdsIn('9110105194912310020', today), [], 'an ID number’s digits inside a longer run are not one')
  t.same(residentIdsIn('440100202400123', today), [], 'a bureau serial')
})

t.test('VINs (GB 16735): the vectors from DOMAIN.md', async (t) => {
  for (const vin of ['1M8GDM9AXKP042788', 'LFV2A21K8A3000001', '11111111111111111']) t.same(checkVin(vin), { vin }, vin)
  t.match(checkVin('LFV2A21K0A3000001').failure, { code: 'vin_check_digit' })
  t.equal(vinCheckDigit('1M8GDM9AXKP042788'), 'X', '10 is written X')
  t.equal(checkVin('LFV2A21K8A300000').failure?.code, 'vin_length')
  t.equal(checkVin('LFV2A21K8A300000O').failure?.code, 'vin_character', 'O is never used')
  t.equal(checkVin('IFV2A21K8A3000001').failure?.code, 'vin_character', 'I is never used')
  t.same(checkVin('lfv2a21k8a3000001'), { vin: 'LFV2A21K8A3000001' }, 'lower case is normalised')
})

t.test('plates (GA 36-2018): ordinary, new-energy small and large, and what is refused', async (t) => {
  t.same(checkPlate('粤A12345'), { plate: '粤A12345', kind: 'ordinary' })
  t.same(checkPlate('粤A·1234学'), { plate: '粤A1234学', kind: 'ordinary' }, 'separator dropped, special last character')
  t.same(checkPlate('粤AD12345'), { plate: '粤AD12345', kind: 'new_energy', power: 'pure_electric' })
  t.same(checkPlate('闽DFA2345'), { plate: '闽DFA2345', kind: 'new_energy', power: 'other_new_energy' })
  t.same(checkPlate('苏F12345D'), { plate: '苏F12345D', kind: 'new_energy', power: 'pure_electric' }, 'large new-energy: letter last')
  t.equal(checkPlate('粤AI2345').failure?.code, 'plate_character', 'letter I')
  t.equal(checkPlate('粤AO2345').failure?.code, 'plate_character', 'letter O')
  t.equal(checkPlate('粤A1234').failure?.code, 'plate_length')
  t.equal(checkPlate('粤A123456789').failure?.code, 'plate_length')
  t.equal(checkPlate('粤AZ12345').failure?.code, 'plate_energy_letter', 'Z is no energy letter')
  t.equal(checkPlate('X A12345'.replace(' ', '')).failure?.code, 'plate_province')
  t.equal(checkPlate('粤A1234!').failure?.code, 'plate_character')
  t.same(platePrefixes['500000'], ['渝A', '渝B', '渝C', '渝D', '渝F', '渝G', '渝H'])
})

t.test('sample identifiers (demo data, tests, benchmark) pass the rules and do not repeat', async (t) => {
  const serials = [0, 1, 99_999, 100_000, 100_001, 1_000_000, 31_000_000, ...Array.from({ length: 2000 }, (_, i) => i * 15_485 + 7)]
  const plates = serials.map((n) => samplePlate('粤A', n))
  t.equal(new Set(plates).size, serials.length, 'one plate per serial')
  t.same(plates.slice(0, 5), ['粤A00000', '粤A00001', '粤A99999', '粤AA0000', '粤AA0001'])
  t.ok(plates.every((p) => checkPlate(p).failure === undefined && checkPlate(p).plate === p), 'every plate is valid under GA 36')
  t.match(checkPlate(samplePlate('粤A', 42, true)), { plate: '粤AD00042', kind: 'new_energy', power: 'pure_electric' })
  t.ok(serials.every((n) => checkVin(sampleVin(n)).failure === undefined), 'every VIN has its check digit')
  t.same(checkResidentId(sampleResidentId('440106', '19900101', 7), today), { id: sampleResidentId('440106', '19900101', 7), birthDate: '1990-01-01', sex: 'male' })
})
