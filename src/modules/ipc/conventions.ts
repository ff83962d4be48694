import { fieldFailure, type FieldFailure, type ProblemCode } from '../../lib/problems.js'
import { plateColours } from '../licences/table.js'

// The conventions of the Ministry's ride-hailing data interface (网约车监管信息交互平台), as pure
// functions of one value: times YYYYMMDDhhmmss and dates YYYYMMDD (numbers or strings, in China
// Standard Time), Flag 1/2/3, GB/T 2260 region codes, coordinates in integer micro-degrees with
// their Encrypt datum, plate colours by JT/T 697.7 code or name, kilometres and yuan. Each answers
// the value in this API's own terms, or the failure, named by the national field.

export type IpcFailure = FieldFailure
export type Read<T> = { value: T, failure?: undefined } | { value?: undefined, failure: IpcFailure }

export const ipcFailure = (field: string, detail: string, message: string, code: ProblemCode = 'invalid_ipc_value'): { failure: IpcFailure } =>
  fieldFailure(code, `/${field}`, detail, message)

const shown = (value: unknown) => typeof value === 'string' ? JSON.stringify(value.length > 24 ? `${value.slice(0, 24)}…` : value) : String(value)

/** A fixed-length run of digits, sent as a number or as a string (F8, F14, F6). */
function digits (value: unknown, field: string, length: number, what: string): Read<string> {
  const text = typeof value === 'number' && Number.isSafeInteger(value) && value >= 0 ? String(value) : typeof value === 'string' ? value : undefined
  if (text === undefined || !/^[0-9]+$/.test(text)) return ipcFailure(field, 'not_digits', `${field} is ${what}, as a number or a string of digits; ${shown(value)} is not`)
  if (text.length !== length) return ipcFailure(field, 'wrong_length', `${field} is ${what}: ${length} digits (F${length}); ${text} has ${text.length}`)
  return { value: text }
}

const daysIn = (year: number, month: number) => new Date(Date.UTC(year, month, 0)).getUTCDate()

/** A date YYYYMMDD, as YYYY-MM-DD; 20121233 is not one. */
export function ipcDate (value: unknown, field: string): Read<string> {
  const read = digits(value, field, 8, 'a date YYYYMMDD')
  if (read.failure) return read
  const [y, m, d] = [Number(read.value.slice(0, 4)), Number(read.value.slice(4, 6)), Number(read.value.slice(6, 8))]
  if (y < 1900 || m < 1 || m > 12 || d < 1 || d > daysIn(y, m)) return ipcFailure(field, 'invalid_date', `${field} ${read.value} is not a date (YYYYMMDD): ${m < 1 || m > 12 ? `there is no month ${m}` : `${y}-${String(m).padStart(2, '0')} has ${daysIn(y, m)} days`}`)
  return { value: `${read.value.slice(0, 4)}-${read.value.slice(4, 6)}-${read.value.slice(6, 8)}` }
}

/** The offset the interface's times are in: China Standard Time, which has no summer time. */
export const chinaStandardTime = '+08:00'

/** A time YYYYMMDDhhmmss in China Standard Time, as an RFC 3339 instant with its offset. */
export function ipcTime (value: unknown, field: string): Read<string> {
  const read = digits(value, field, 14, 'a time YYYYMMDDhhmmss')
  if (read.failure) return read
  const date = ipcDate(read.value.slice(0, 8), field)
  if (date.failure) return ipcFailure(field, 'invalid_time', `${field} ${read.value} is not a time (YYYYMMDDhhmmss): ${date.failure.errors[0]!.message.split(': ').at(-1)}`)
  const [h, min, s] = [Number(read.value.slice(8, 10)), Number(read.value.slice(10, 12)), Number(read.value.slice(12, 14))]
  if (h > 23 || min > 59 || s > 59) return ipcFailure(field, 'invalid_time', `${field} ${read.value} is not a time (YYYYMMDDhhmmss): ${String(h).padStart(2, '0')}:${String(min).padStart(2, '0')}:${String(s).padStart(2, '0')} is not a time of day`)
  return { value: `${date.value}T${read.value.slice(8, 10)}:${read.value.slice(10, 12)}:${read.value.slice(12, 14)}${chinaStandardTime}` }
}

/** A GB/T 2260 region code (F6), as the 6-digit string this API uses. */
export function ipcRegion (value: unknown, field: string): Read<string> {
  return digits(value, field, 6, 'a GB/T 2260 region code')
}

export const ipcFlags = { 1: 'add', 2: 'update', 3: 'delete' } as const

/** Flag: 1 add, 2 update, 3 delete. */
export function ipcFlag (value: unknown, field = 'Flag'): Read<'add' | 'update' | 'delete'> {
  const flag = typeof value === 'number' || (typeof value === 'string' && /^[0-9]$/.test(value)) ? ipcFlags[Number(value) as 1 | 2 | 3] : undefined
  if (!flag) return ipcFailure(field, 'unknown_flag', `${field} is 1 (add), 2 (update) or 3 (delete); ${shown(value)} is none of them`)
  return { value: flag }
}

/** Encrypt, the datum of a record's coordinates: 1 GCJ-02, 2 WGS-84, 3 BD-09, 4 CGCS2000, 0 other. */
export const ipcDatums = { 0: 'other', 1: 'GCJ-02', 2: 'WGS-84', 3: 'BD-09', 4: 'CGCS2000' } as const

// China's extent, with a margin: a coordinate outside it is not one of a ride in China.
const extent = { longitude: [73_000_000, 136_000_000], latitude: [3_000_000, 54_000_000] } as const

/**
 * A record's coordinates, checked and then dropped: no coordinate is kept (PIPL minimisation).
 * Each is an integer number of micro-degrees inside China, and a record with any gives its datum.
 */
export function ipcCoordinates (record: Record<string, unknown>, pairs: Array<[longitude: string, latitude: string]>, required: boolean): { failure?: IpcFailure } {
  let any = false
  for (const pair of pairs) {
    for (const [field, axis] of [[pair[0], 'longitude'], [pair[1], 'latitude']] as const) {
      const value = record[field]
      if (value === undefined || value === null) {
        if (required) return ipcFailure(field, 'required', `${field} is required in this record`, 'validation_failed')
        continue
      }
      any = true
      // Never quoted: a coordinate sent in degrees, or with its axes swapped, is still a passenger's position.
      if (typeof value !== 'number' || !Number.isInteger(value)) return ipcFailure(field, 'not_micro_degrees', `${field} is an integer ${axis} in millionths of a degree (116397128 for 116.397128°); the value sent is not`)
      const [low, high] = extent[axis]
      if (value < low || value > high) return ipcFailure(field, 'outside_china', `${field} is outside China (${axis} ${low / 1e6}° to ${high / 1e6}°, in millionths of a degree): is it in degrees, or the other axis?`)
    }
  }
  if (!any) return {}
  const datum = record.Encrypt
  if (datum === undefined || datum === null) return ipcFailure('Encrypt', 'required', 'Encrypt, the datum of the coordinates (1 GCJ-02, 2 WGS-84, 3 BD-09, 4 CGCS2000, 0 other), is required with coordinates', 'validation_failed')
  if (!(typeof datum === 'number' || typeof datum === 'string') || !Object.hasOwn(ipcDatums, String(datum))) return ipcFailure('Encrypt', 'unknown_datum', `Encrypt is 1 (GCJ-02), 2 (WGS-84), 3 (BD-09), 4 (CGCS2000) or 0 (other); ${shown(datum)} is none of them`)
  return {}
}

type PlateColour = typeof plateColours[number]

// JT/T 697.7 plate colour codes, and the names platforms send instead.
const colourCodes: Record<string, PlateColour> = { 1: 'blue', 2: 'yellow', 3: 'black', 4: 'white', 5: 'green', 9: 'other' }
const colourNames: Record<string, PlateColour> = {
  蓝: 'blue',
  蓝色: 'blue',
  黄: 'yellow',
  黄色: 'yellow',
  黑: 'black',
  黑色: 'black',
  白: 'white',
  白色: 'white',
  绿: 'green',
  绿色: 'green',
  渐变绿: 'green',
  渐变绿色: 'green',
  黄绿: 'yellow_green',
  黄绿色: 'yellow_green',
  黄绿双拼: 'yellow_green',
  黄绿双拼色: 'yellow_green',
  其他: 'other'
}

/** PlateColor by its JT/T 697.7 code (1 blue, 2 yellow, 3 black, 4 white, 5 green, 9 other) or its name (蓝色, 渐变绿, 黄绿双拼…). */
export function ipcPlateColour (value: unknown, field = 'PlateColor'): Read<PlateColour> {
  const text = typeof value === 'number' ? String(value) : typeof value === 'string' ? value.trim() : ''
  const colour = Object.hasOwn(colourCodes, text) ? colourCodes[text] : Object.hasOwn(colourNames, text) ? colourNames[text] : (plateColours as readonly string[]).find((c) => c === text) as PlateColour | undefined
  if (!colour) return ipcFailure(field, 'unknown_plate_colour', `${field} is a JT/T 697.7 code (1 blue, 2 yellow, 3 black, 4 white, 5 green, 9 other) or a colour’s name (蓝色, 黄色, 渐变绿, 黄绿双拼…); ${shown(value)} is neither`)
  return { value: colour }
}

/** A non-negative amount in a unit, as a whole number of a smaller one: kilometres as metres, yuan as fen. */
export function ipcAmount (value: unknown, field: string, unit: string, factor: number, max: number): Read<number> {
  const number = typeof value === 'number' ? value : typeof value === 'string' && /^[0-9]+(\.[0-9]+)?$/.test(value) ? Number(value) : NaN
  if (!Number.isFinite(number) || number < 0) return ipcFailure(field, 'not_an_amount', `${field} is a non-negative number of ${unit}; ${shown(value)} is not`)
  // Rounded to the unit after a float's last digits are dropped: 1.005 yuan is 101 fen, not 100.
  const scaled = Math.round(Number((number * factor).toFixed(6)))
  if (scaled > max) return ipcFailure(field, 'too_large', `${field} ${number} ${unit} is more than one ride can be (at most ${max / factor})`)
  return { value: scaled }
}

/** A whole number of seconds. */
export function ipcSeconds (value: unknown, field: string, max: number): Read<number> {
  const number = typeof value === 'string' && /^[0-9]+$/.test(value) ? Number(value) : value
  if (typeof number !== 'number' || !Number.isInteger(number) || number < 0) return ipcFailure(field, 'not_seconds', `${field} is a whole number of seconds; ${shown(value)} is not`)
  if (number > max) return ipcFailure(field, 'too_large', `${field} ${number} s is more than one ride can be (at most ${max})`)
  return { value: number }
}
