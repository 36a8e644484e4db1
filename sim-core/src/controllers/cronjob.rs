//! TODO: cronjob controller (placeholder, see issues).
