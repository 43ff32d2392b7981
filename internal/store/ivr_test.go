package store

import (
	"context"
	"errors"
	"fmt"
	"sync"
	"testing"
	"time"
)

// TestIVRCodeTakenOnce: a code is taken once (a second take finds
// nothing), an expired code is not taken, and pending tells both apart.
func TestIVRCodeTakenOnce(t *testing.T) {
	ctx := context.Background()
	st := openTemp(t)
	now := time.Now()
	if err := st.PutIVRCode(ctx, "123456", "support", []byte(`{"intent":"help"}`), now.Add(time.Hour), 10); err != nil {
		t.Fatal(err)
	}
	if err := st.PutIVRCode(ctx, "123456", "sales", []byte(`{}`), now.Add(time.Hour), 10); !errors.Is(err, ErrCodeTaken) {
		t.Fatalf("a code in use put again: %v, want ErrCodeTaken", err)
	}
	if ok, err := st.IVRCodePending(ctx, "123456", now); !ok || err != nil {
		t.Fatalf("pending = %v, %v before it is taken", ok, err)
	}
	q, c, err := st.TakeIVRCode(ctx, "123456", now)
	if err != nil || q != "support" || string(c) != `{"intent":"help"}` {
		t.Fatalf("take = %q %s %v", q, c, err)
	}
	if _, _, err := st.TakeIVRCode(ctx, "123456", now); !errors.Is(err, ErrNotFound) {
		t.Fatalf("second take: %v, want ErrNotFound", err)
	}
	if ok, err := st.IVRCodePending(ctx, "123456", now); ok || err != nil {
		t.Fatalf("pending = %v, %v after it is taken", ok, err)
	}

	if err := st.PutIVRCode(ctx, "654321", "support", []byte(`{}`), now.Add(time.Minute), 10); err != nil {
		t.Fatal(err)
	}
	later := now.Add(2 * time.Minute)
	if ok, err := st.IVRCodePending(ctx, "654321", later); ok || err != nil {
		t.Fatalf("pending = %v, %v once expired", ok, err)
	}
	if _, _, err := st.TakeIVRCode(ctx, "654321", later); !errors.Is(err, ErrNotFound) {
		t.Fatalf("expired take: %v, want ErrNotFound", err)
	}
}

// TestIVRCodeConcurrentTake: of many calls taking one code at once,
// exactly one gets it.
func TestIVRCodeConcurrentTake(t *testing.T) {
	ctx := context.Background()
	st := openTemp(t)
	now := time.Now()
	if err := st.PutIVRCode(ctx, "777777", "support", []byte(`{}`), now.Add(time.Hour), 10); err != nil {
		t.Fatal(err)
	}
	const takers = 8
	var wg sync.WaitGroup
	errs := make(chan error, takers)
	for range takers {
		wg.Go(func() {
			_, _, err := st.TakeIVRCode(ctx, "777777", now)
			errs <- err
		})
	}
	wg.Wait()
	close(errs)
	won := 0
	for err := range errs {
		switch {
		case err == nil:
			won++
		case !errors.Is(err, ErrNotFound):
			t.Errorf("take: %v", err)
		}
	}
	if won != 1 {
		t.Fatalf("%d takers got the code, want 1", won)
	}
}

// TestIVRCodesCap: PutIVRCode refuses a code past max outstanding ones;
// a taken code frees its place.
func TestIVRCodesCap(t *testing.T) {
	ctx := context.Background()
	st := openTemp(t)
	exp := time.Now().Add(time.Hour)
	for i := range 3 {
		if err := st.PutIVRCode(ctx, fmt.Sprintf("10000%d", i), "support", []byte(`{}`), exp, 3); err != nil {
			t.Fatal(err)
		}
	}
	if err := st.PutIVRCode(ctx, "100009", "support", []byte(`{}`), exp, 3); !errors.Is(err, ErrCodesFull) {
		t.Fatalf("past the cap: %v, want ErrCodesFull", err)
	}
	if _, _, err := st.TakeIVRCode(ctx, "100000", time.Now()); err != nil {
		t.Fatal(err)
	}
	if err := st.PutIVRCode(ctx, "100009", "support", []byte(`{}`), exp, 3); err != nil {
		t.Fatalf("after a take: %v", err)
	}
}
