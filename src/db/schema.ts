// Every table, for drizzle-kit and for the typed database handle.
export * from '../modules/jurisdictions/table.js'
export * from '../modules/agencies/table.js'
export * from '../modules/enterprises/table.js'
export * from './system-tables.js'
export * from '../modules/api-keys/table.js'
export * from '../modules/audit/table.js'
export * from '../modules/imports/table.js'
export * from '../modules/licences/table.js'
