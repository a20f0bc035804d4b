// Command flightdeck is a terminal release dashboard: CI pipelines and the
// versions running in every environment on one live screen. The commands
// live in package commands; main only runs them.
package main

import (
	"context"
	"os"

	"github.com/airside-dev/flightdeck/commands"
)

func main() {
	os.Exit(commands.Main(context.Background(), os.Args[1:]))
}
