//! The fake Discord itself: it is only worth what it rejects. One test
//! binary; one module per part of the fake.

// Tests stop loudly on what they did not expect.
#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::panic,
    clippy::indexing_slicing
)]

mod gateway;
mod interactions;
mod openapi;
mod rest;
mod support;
