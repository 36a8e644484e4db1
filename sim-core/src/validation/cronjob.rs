//! Defaulting and validation of CronJob objects (placeholder).
