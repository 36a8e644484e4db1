//! API-server validation of `spec.schedule` and `spec.timeZone` (filled in below).
