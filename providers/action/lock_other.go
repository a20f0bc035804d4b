//go:build !unix

package action

import "os"

// tryLock does not lock where flock is not written yet (Windows): actions
// are then not serialised between processes, only re-checked.
func tryLock(*os.File) (bool, error) { return true, nil }

func unlock(*os.File) error { return nil }
