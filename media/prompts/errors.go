package prompts

import "errors"

var (
	// ErrNoPrompt means a language or prompt name has no audio.
	ErrNoPrompt = errors.New("prompts: no such prompt")
	// ErrBadWAV wraps every reason an uploaded file cannot be converted.
	ErrBadWAV = errors.New("prompts: unreadable WAV file")
)
