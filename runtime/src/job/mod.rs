//! `kiln job`: Bacalhau WASM job specs, run on this machine or handed to a Bacalhau cluster.
//!
//! [`spec`] parses a job file (JSON or YAML, detected) in any of the three accepted shapes (today's
//! Bacalhau job, the legacy WASM engine shape, the old client model) and normalizes it into one
//! [`spec::Job`]; [`validate`] applies the rules Bacalhau's orchestrator applies to a submitted job,
//! and the extra rules of a local run; [`inputs`] builds the file system a guest sees, and [`run`]
//! runs the job as Bacalhau's WASM executor does; [`submit`] hands it to a Bacalhau cluster. [`cli`] parses the command line.

pub mod cli;
mod decode;
pub mod http;
pub mod inputs;
pub mod run;
pub mod spec;
pub mod submit;
pub mod validate;
