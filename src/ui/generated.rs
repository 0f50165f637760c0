//! The Slint-generated types (from ui/app.slint). Only `src/ui` may use them.
#![allow(clippy::all)]
slint::include_modules!();
