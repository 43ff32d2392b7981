package store

import (
	"context"
	"testing"
)

func TestConcurrentOpensMigrateOnce(t *testing.T) {
	dir := t.TempDir()
	errs := make(chan error, 4)
	for range 4 {
		go func() {
			st, err := Open(context.Background(), dir)
			if err == nil {
				err = st.Close()
			}
			errs <- err
		}()
	}
	for range 4 {
		if err := <-errs; err != nil {
			t.Errorf("concurrent open of a fresh data directory: %v", err)
		}
	}
}
