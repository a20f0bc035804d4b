// Package model holds flightdeck's provider-neutral domain: services, their
// environments and the versions running there, deployments in flight, CI
// pipelines, gates waiting for a human, and the snapshot the screen draws.
// It is pure logic over the standard library; nothing here does I/O.
package model
