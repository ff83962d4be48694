import t from 'tap'
import { ensureBuilt } from './helpers/processes.js'
import { stopsGracefully } from './helpers/stopping.js'

// `npm start` as a supervisor (systemd, a container runtime) stops it: the embedded database on a
// folder of its own, whatever TEST_DATABASE_URL says, since its lock is the point. One file per
// signal, each within the runner's time limit on a busy machine.
ensureBuilt()

t.test('SIGINT sent to the npm start process stops node gracefully, and the next start on the same folder starts', (t) => stopsGracefully(t, 'SIGINT'))
