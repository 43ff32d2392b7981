package media

import (
	"context"
	"fmt"
	"testing"
	"time"

	"github.com/zaf/g711"
)

// drain returns the audio of every packet queued at the phone, decoded.
func (p *testPhone) drain(t *testing.T) []int16 {
	t.Helper()
	var pcm []int16
	buf := make([]byte, 1500)
	for {
		p.conn.SetReadDeadline(time.Now().Add(300 * time.Millisecond))
		n, err := p.conn.Read(buf)
		if err != nil {
			return pcm
		}
		for _, v := range buf[12:n] {
			if buf[1]&0x7f == 8 {
				pcm = append(pcm, g711.DecodeAlawFrame(v))
			} else {
				pcm = append(pcm, g711.DecodeUlawFrame(v))
			}
		}
	}
}

// bestShare is the largest share of a 200 ms window's energy at freq.
func bestShare(pcm []int16, freq float64) float64 {
	var best float64
	for i := 0; i+1600 <= len(pcm); i += 400 {
		if sh, _ := toneShare(pcm[i:i+1600], freq); sh > best {
			best = sh
		}
	}
	return best
}

func TestMixer(t *testing.T) {
	freqs := []float64{600, 1100, 1700} // caller, agent, supervisor
	tests := []struct {
		name  string
		run   func(ctx context.Context, s []*Session) error
		hears [3][3]bool
	}{
		{"conference", func(ctx context.Context, s []*Session) error { return Conference(ctx, s...) },
			[3][3]bool{{false, true, true}, {true, false, true}, {true, true, false}}},
		{"listen", func(ctx context.Context, s []*Session) error { return Supervise(ctx, s[0], s[1], s[2], Listen) },
			[3][3]bool{{false, true, false}, {true, false, false}, {true, true, false}}},
		{"whisper", func(ctx context.Context, s []*Session) error { return Supervise(ctx, s[0], s[1], s[2], Whisper) },
			[3][3]bool{{false, true, false}, {true, false, true}, {true, true, false}}},
		{"barge", func(ctx context.Context, s []*Session) error { return Supervise(ctx, s[0], s[1], s[2], Barge) },
			[3][3]bool{{false, true, true}, {true, false, true}, {true, true, false}}},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			e := newTestEngine(t, 0)
			phones := []*testPhone{newTestPhone(t), newTestPhone(t), newTestPhone(t)}
			sessions := []*Session{answered(t, e, phones[0], "0"), answered(t, e, phones[1], "8"), answered(t, e, phones[2], "0")}
			ctx, cancel := context.WithCancel(context.Background())
			done := make(chan error, 1)
			go func() { done <- tc.run(ctx, sessions) }()

			tones := make([][]byte, 3)
			for i, f := range freqs {
				tones[i] = toneULaw(f, 600*time.Millisecond, 6000)
			}
			tick := time.NewTicker(20 * time.Millisecond)
			for k := 0; k+160 <= len(tones[0]); k += 160 {
				for i, p := range phones {
					frame, pt := tones[i][k:k+160], uint8(0)
					if i == 1 {
						frame, pt = g711.Ulaw2Alaw(frame), 8
					}
					p.send(t, sessions[i].LocalPort(), pt, uint32(i+1), frame)
				}
				<-tick.C
			}
			tick.Stop()
			cancel()
			if err := <-done; err != nil {
				t.Fatal(err)
			}
			for i, p := range phones {
				pcm := p.drain(t)
				for j, f := range freqs {
					share := bestShare(pcm, f)
					if heard := share > 0.2; heard != tc.hears[i][j] {
						t.Errorf("phone %d: %.3f of the energy at %.0f Hz (phone %d's tone), want heard=%v", i, share, f, j, tc.hears[i][j])
					}
				}
			}
		})
	}
}

func TestConferenceSize(t *testing.T) {
	e := newTestEngine(t, 0)
	var legs []*Session
	for range MaxConference + 1 {
		legs = append(legs, answered(t, e, newTestPhone(t), "0"))
	}
	for _, n := range []int{1, MaxConference + 1} {
		if err := Conference(context.Background(), legs[:n]...); err == nil {
			t.Fatalf("Conference of %d legs accepted", n)
		}
	}
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan error, 1)
	go func() { done <- Conference(ctx, legs[:MaxConference]...) }()
	// a leg already in a mix cannot join another
	for i := 0; legs[MaxConference-1].mixIn.Load() == nil; i++ {
		if i == 300 {
			t.Fatal("the conference did not start")
		}
		time.Sleep(10 * time.Millisecond)
	}
	second, stop := context.WithTimeout(context.Background(), 5*time.Second)
	err := Conference(second, legs[0], legs[MaxConference])
	stop()
	cancel()
	if err == nil {
		t.Fatal("a leg joined two mixes")
	}
	if err := <-done; err != nil {
		t.Fatal(fmt.Errorf("conference of %d: %w", MaxConference, err))
	}
}
