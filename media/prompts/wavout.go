package prompts

import "encoding/binary"

// WAV wraps 8 kHz mono µ-law audio in a WAV file (format code 7, with the
// fact chunk non-PCM formats carry), which browsers play as audio/wav and
// ConvertWAV reads back unchanged.
func WAV(ulaw []byte) []byte {
	n := uint32(len(ulaw))
	out := make([]byte, 0, 58+len(ulaw)+1)
	le := binary.LittleEndian
	out = append(out, "RIFF"...)
	out = le.AppendUint32(out, 50+n+n&1)
	out = append(out, "WAVEfmt "...)
	out = le.AppendUint32(out, 18)
	out = le.AppendUint16(out, formatULaw)
	out = le.AppendUint16(out, 1)    // channels
	out = le.AppendUint32(out, 8000) // sample rate
	out = le.AppendUint32(out, 8000) // bytes per second
	out = le.AppendUint16(out, 1)    // block align
	out = le.AppendUint16(out, 8)    // bits per sample
	out = le.AppendUint16(out, 0)    // no extension
	out = append(out, "fact"...)
	out = le.AppendUint32(out, 4)
	out = le.AppendUint32(out, n) // samples
	out = append(out, "data"...)
	out = le.AppendUint32(out, n)
	out = append(out, ulaw...)
	if n&1 == 1 {
		out = append(out, 0) // chunks are padded to an even size
	}
	return out
}
