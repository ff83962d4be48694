import t from 'tap'
import { dateIn } from '../src/modules/licences/lifecycle.js'

// dateIn keeps the date of each quarter hour it is asked; it must say what Intl says of every
// instant, wherever a zone's offset is odd (+05:45, +08:05:43 before 1901) or changes (daylight
// saving, by an hour or by half of one).

const intl = (timeZone: string, at: number) => new Intl.DateTimeFormat('en-CA', { timeZone, year: 'numeric', month: '2-digit', day: '2-digit' }).format(at)

t.test('the date of an instant in a zone is what Intl makes of it, around midnights, transitions and odd offsets', async (t) => {
  const zones = ['Asia/Shanghai', 'Asia/Urumqi', 'America/New_York', 'Asia/Kathmandu', 'Australia/Lord_Howe', 'Pacific/Chatham', 'Europe/London', 'UTC']
  const around = [
    Date.parse('2026-03-08T06:00:00Z'), // New York springs forward at 07:00 UTC
    Date.parse('2026-11-01T05:00:00Z'), // and falls back at 06:00 UTC
    Date.parse('2026-04-04T14:00:00Z'), // Lord Howe goes back half an hour at 15:00 UTC
    Date.parse('2026-09-30T15:00:00Z'), // Beijing's midnight of 2026-10-01 at 16:00 UTC
    Date.parse('1900-12-31T15:00:00Z'), // Shanghai at +08:05:43 until 1901
    Date.parse('1985-06-01T00:00:00Z')
  ]
  let checked = 0
  for (const timeZone of zones) {
    for (const from of around) {
      // Every 7 minutes 31 seconds over 26 hours: instants on, just before and just after quarter hours.
      for (let at = from - 13 * 3600_000; at < from + 13 * 3600_000; at += 451_000) {
        for (const instant of [at, Math.floor(at / 900_000) * 900_000 - 1, Math.floor(at / 900_000) * 900_000]) {
          const expected = intl(timeZone, instant)
          if (dateIn(timeZone, instant) !== expected || dateIn(timeZone, new Date(instant)) !== expected) {
            t.fail(`${timeZone} at ${new Date(instant).toISOString()}: ${dateIn(timeZone, instant)}, not ${expected}`)
            return
          }
          checked++
        }
      }
    }
  }
  t.ok(checked > 10_000, `${checked} instants agree`)
})

t.test('without an instant, the date is today\'s in the zone', async (t) => {
  const before = intl('Asia/Shanghai', Date.now())
  const today = dateIn('Asia/Shanghai')
  t.ok(today === before || today === intl('Asia/Shanghai', Date.now()), today)
  t.match(today, /^\d{4}-\d{2}-\d{2}$/)
})
