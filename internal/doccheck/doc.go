// Package doccheck is test support only: tests that hold the docs to the
// code where the docs list what the code does (docs/iam.md names every AWS
// operation the providers call). It has no code of its own.
package doccheck
