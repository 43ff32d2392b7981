// Package recorder writes a call's audio as a stereo 16-bit 8 kHz WAV file
// while the call runs, patching the header's sizes at every flush so that
// a crash leaves a playable file holding all but the last moments.
package recorder

import (
	"bufio"
	"encoding/binary"
	"errors"
	"fmt"
	"os"
)

// headerSize is the size of the canonical WAV header written first.
const headerSize = 44

// Rate is the recording's sample rate in Hz.
const Rate = 8000

// ErrClosed is returned by writes to a closed Writer.
var ErrClosed = errors.New("recorder: writer closed")

// Writer writes interleaved stereo frames to a WAV file. It is used by one
// goroutine.
type Writer struct {
	f      *os.File
	buf    *bufio.Writer
	frames int64 // stereo frames written
	closed bool
}

// Create creates the WAV file at path, truncating any file there.
func Create(path string) (*Writer, error) {
	f, err := os.OpenFile(path, os.O_RDWR|os.O_CREATE|os.O_TRUNC, 0o640)
	if err != nil {
		return nil, fmt.Errorf("recorder: %w", err)
	}
	w := &Writer{f: f, buf: bufio.NewWriterSize(f, 16<<10)}
	if _, err := w.buf.Write(header(0)); err != nil {
		f.Close()
		return nil, fmt.Errorf("recorder: %w", err)
	}
	return w, nil
}

// header returns a WAV header for a file of the given stereo frames.
func header(frames int64) []byte {
	data := uint32(min(frames*4, 1<<32-1-headerSize))
	h := make([]byte, 0, headerSize)
	h = append(h, "RIFF"...)
	h = binary.LittleEndian.AppendUint32(h, 36+data)
	h = append(h, "WAVEfmt "...)
	h = binary.LittleEndian.AppendUint32(h, 16)
	h = binary.LittleEndian.AppendUint16(h, 1) // PCM
	h = binary.LittleEndian.AppendUint16(h, 2) // stereo
	h = binary.LittleEndian.AppendUint32(h, Rate)
	h = binary.LittleEndian.AppendUint32(h, Rate*4)
	h = binary.LittleEndian.AppendUint16(h, 4)
	h = binary.LittleEndian.AppendUint16(h, 16)
	h = append(h, "data"...)
	return binary.LittleEndian.AppendUint32(h, data)
}

// Write appends frames: left[i] and right[i] form frame i; the shorter
// side is padded with silence.
func (w *Writer) Write(left, right []int16) error {
	if w.closed {
		return ErrClosed
	}
	var frame [4]byte
	for i := range max(len(left), len(right)) {
		var l, r int16
		if i < len(left) {
			l = left[i]
		}
		if i < len(right) {
			r = right[i]
		}
		binary.LittleEndian.PutUint16(frame[:], uint16(l))
		binary.LittleEndian.PutUint16(frame[2:], uint16(r))
		if _, err := w.buf.Write(frame[:]); err != nil {
			return fmt.Errorf("recorder: %w", err)
		}
		w.frames++
	}
	return nil
}

// Flush writes the buffered frames and patches the header's sizes.
func (w *Writer) Flush() error {
	if w.closed {
		return ErrClosed
	}
	if err := w.buf.Flush(); err != nil {
		return fmt.Errorf("recorder: %w", err)
	}
	if _, err := w.f.WriteAt(header(w.frames), 0); err != nil {
		return fmt.Errorf("recorder: %w", err)
	}
	return nil
}

// Close flushes and closes the file. It is safe to call more than once.
func (w *Writer) Close() error {
	if w.closed {
		return nil
	}
	err := w.Flush()
	w.closed = true
	if cerr := w.f.Close(); err == nil && cerr != nil {
		err = fmt.Errorf("recorder: %w", cerr)
	}
	return err
}

// Frames returns how many stereo frames were written.
func (w *Writer) Frames() int64 { return w.frames }
