package recorder

import (
	"encoding/binary"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"

	"github.com/switchboard-cc/switchboard/internal/peertest"
)

func TestWriterKeepsAPlayableFileWhileOpen(t *testing.T) {
	path := filepath.Join(t.TempDir(), "call.wav")
	w, err := Create(path)
	if err != nil {
		t.Fatal(err)
	}
	left := make([]int16, 800)
	right := make([]int16, 400)
	for i := range left {
		left[i] = int16(i)
	}
	if err := w.Write(left, right); err != nil {
		t.Fatal(err)
	}
	if err := w.Flush(); err != nil {
		t.Fatal(err)
	}
	// As after a crash: the file is read while the writer never closed.
	b, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	if len(b) != headerSize+800*4 || binary.LittleEndian.Uint32(b[40:]) != 800*4 || binary.LittleEndian.Uint32(b[4:]) != uint32(len(b)-8) {
		t.Fatalf("%d bytes, data size %d, RIFF size %d", len(b), binary.LittleEndian.Uint32(b[40:]), binary.LittleEndian.Uint32(b[4:]))
	}
	if l, r := int16(binary.LittleEndian.Uint16(b[headerSize+4*700:])), int16(binary.LittleEndian.Uint16(b[headerSize+4*700+2:])); l != 700 || r != 0 {
		t.Fatalf("frame 700 = %d, %d; want 700, 0 (right padded)", l, r)
	}
	if sox := peertest.Binary(t, "soxi"); sox != "" {
		out, err := exec.Command(sox, path).CombinedOutput()
		if err != nil || !strings.Contains(string(out), "Channels       : 2") || !strings.Contains(string(out), "800 samples") {
			t.Fatalf("soxi: %v\n%s", err, out)
		}
	}
	if err := w.Close(); err != nil {
		t.Fatal(err)
	}
	if err := w.Close(); err != nil {
		t.Fatal(err)
	}
	if err := w.Write(left, right); err != ErrClosed {
		t.Fatalf("Write after Close = %v", err)
	}
}
