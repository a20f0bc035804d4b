// Package config owns flightdeck's YAML configuration: where the file is
// looked up (Locate, StateDir, CacheDir), strict decoding that reports every
// problem at once with its YAML path, line and column (Parse, Load, Errors),
// the defaults, and the validation rules the rest of the program relies on:
// after a successful Parse every service has a name, every environment has
// exactly one target, and every CI, blue/green and canary block is complete.
package config
