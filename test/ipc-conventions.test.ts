import t from 'tap'
import { ipcAmount, ipcCoordinates, ipcDate, ipcFlag, ipcPlateColour, ipcRegion, ipcSeconds, ipcTime } from '../src/modules/ipc/conventions.js'

// The national interface's conventions, value by value.

const code = (read: { failure?: { errors: Array<{ code: string }> } }) => read.failure?.errors[0]?.code

t.test('dates YYYYMMDD, as numbers or strings', async (t) => {
  t.same(ipcDate(20250301, 'D'), { value: '2025-03-01' })
  t.same(ipcDate('20240229', 'D'), { value: '2024-02-29' }, 'a leap day')
  t.equal(code(ipcDate(20230229, 'D')), 'invalid_date', 'no 29 February in 2023')
  t.equal(code(ipcDate(19000229, 'D')), 'invalid_date', '1900 was not a leap year')
  t.same(ipcDate(20000229, 'D'), { value: '2000-02-29' }, '2000 was')
  t.equal(code(ipcDate(20121233, 'D')), 'invalid_date')
  t.equal(code(ipcDate(20121301, 'D')), 'invalid_date', 'no month 13')
  t.equal(code(ipcDate(20120001, 'D')), 'invalid_date', 'no month 0')
  t.equal(code(ipcDate(20120100, 'D')), 'invalid_date', 'no day 0')
  t.equal(code(ipcDate(2012011, 'D')), 'wrong_length')
  t.equal(code(ipcDate(20250301120000, 'D')), 'wrong_length', 'a time where a date is due')
  t.equal(code(ipcDate('2025-03-01', 'D')), 'not_digits')
  t.equal(code(ipcDate(2025.0301, 'D')), 'not_digits')
  t.equal(code(ipcDate(-20250301, 'D')), 'not_digits')
  t.equal(code(ipcDate(null, 'D')), 'not_digits')
  t.match(ipcDate('x', 'RegisterDate').failure, { errors: [{ pointer: '/RegisterDate' }] }, 'named by its field')
})

t.test('times YYYYMMDDhhmmss, in China Standard Time', async (t) => {
  t.same(ipcTime(20250305100000, 'T'), { value: '2025-03-05T10:00:00+08:00' })
  t.same(ipcTime('20251231235959', 'T'), { value: '2025-12-31T23:59:59+08:00' })
  t.equal(new Date(ipcTime(20250101000000, 'T').value!).toISOString(), '2024-12-31T16:00:00.000Z', 'midnight in Beijing is 16:00 UTC the day before')
  t.equal(code(ipcTime(20250305, 'T')), 'wrong_length', 'F8 where F14 is due')
  t.equal(code(ipcTime(20250305240000, 'T')), 'invalid_time')
  t.equal(code(ipcTime(20250305106000, 'T')), 'invalid_time')
  t.equal(code(ipcTime(20250305100060, 'T')), 'invalid_time', 'no leap second')
  t.equal(code(ipcTime(20250230100000, 'T')), 'invalid_time', 'no 30 February')
})

t.test('Flag, region codes, plate colours', async (t) => {
  t.same([1, 2, 3, '1', '2', '3'].map((f) => ipcFlag(f).value), ['add', 'update', 'delete', 'add', 'update', 'delete'])
  for (const bad of [0, 4, '4', '12', 'add', null, 1.5]) t.equal(code(ipcFlag(bad)), 'unknown_flag', String(bad))
  t.same(ipcRegion(440106, 'A'), { value: '440106' })
  t.equal(code(ipcRegion(4401, 'A')), 'wrong_length')
  t.equal(code(ipcRegion('44010a', 'A')), 'not_digits')
  t.same(['1', 2, '3', 4, 5, 9].map((c) => ipcPlateColour(c).value), ['blue', 'yellow', 'black', 'white', 'green', 'other'])
  t.same(['蓝色', '黄', '渐变绿', '黄绿双拼', 'yellow_green'].map((c) => ipcPlateColour(c).value), ['blue', 'yellow', 'green', 'yellow_green', 'yellow_green'])
  t.equal(code(ipcPlateColour('6')), 'unknown_plate_colour')
  t.equal(code(ipcPlateColour('紫')), 'unknown_plate_colour')
})

t.test('kilometres, yuan and seconds', async (t) => {
  t.same(ipcAmount(12.4, 'M', 'km', 1000, 2_000_000), { value: 12400 })
  t.same(ipcAmount('38.50', 'P', 'yuan', 100, 100_000_000), { value: 3850 })
  t.same(ipcAmount(0.1 + 0.2, 'P', 'yuan', 100, 100_000_000), { value: 30 }, 'rounded to the fen')
  t.equal(code(ipcAmount(-1, 'P', 'yuan', 100, 100)), 'not_an_amount')
  t.equal(code(ipcAmount('1e3', 'P', 'yuan', 100, 1e9)), 'not_an_amount')
  t.equal(code(ipcAmount(3000, 'M', 'km', 1000, 2_000_000)), 'too_large')
  t.same(ipcSeconds('1500', 'S', 86_400), { value: 1500 })
  t.equal(code(ipcSeconds(86_401, 'S', 86_400)), 'too_large')
  t.equal(code(ipcSeconds(1.5, 'S', 86_400)), 'not_seconds')
})

t.test('coordinates: integer micro-degrees in China, with their datum', async (t) => {
  const pairs: Array<[string, string]> = [['Lng', 'Lat']]
  t.same(ipcCoordinates({ Lng: 113361200, Lat: 23124700, Encrypt: 1 }, pairs, false), {})
  t.same(ipcCoordinates({}, pairs, false), {}, 'none given, none needed')
  t.equal(code(ipcCoordinates({}, pairs, true)), 'required')
  t.equal(code(ipcCoordinates({ Lng: 113361200, Lat: 23124700 }, pairs, false)), 'required', 'a datum with coordinates')
  t.equal(code(ipcCoordinates({ Lng: 113361200, Lat: 23124700, Encrypt: 5 }, pairs, false)), 'unknown_datum')
  t.same(ipcCoordinates({ Lng: 113361200, Lat: 23124700, Encrypt: '0' }, pairs, false), {}, '0: another datum')
  t.equal(code(ipcCoordinates({ Lng: 113.3612, Lat: 23.1247, Encrypt: 1 }, pairs, false)), 'not_micro_degrees')
  t.equal(code(ipcCoordinates({ Lng: 23124700, Lat: 113361200, Encrypt: 1 }, pairs, false)), 'outside_china', 'latitude and longitude swapped')
})
