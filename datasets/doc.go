// Package datasets keeps what exports and backups leave in buckets, and
// reads it back: dated datasets (a folder per export version and
// manifest.json listing them: Versions, Prune, RecordVersion), audit
// records (AuditManifest, with every file's SHA-256: HashObject), and
// backups of a store (CreateBackup, ListBackups, RestoreBackup).
//
// A version or a backup exists once its manifest lists it: files are
// written first and the manifest last, so a reader that goes by the
// manifest never sees a partial one. It links no Beam; pipeline's export
// writes the versions and audits, and engine.VerifyAudit re-reads an
// audited export's rows.
package datasets
