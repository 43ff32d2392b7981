package prompts

import "errors"

var (
	// ErrNoPrompt means a language or prompt name has no audio.
	ErrNoPrompt = errors.New("prompts: no such prompt")
	// ErrBadWAV wraps every reason an uploaded file cannot be converted.
	ErrBadWAV = errors.New("prompts: unreadable WAV file")
	// ErrBadName means a name does not fit the naming rules (ValidName).
	ErrBadName = errors.New("prompts: bad name")
	// ErrBadKind means a kind is neither KindPrompt nor KindMusic.
	ErrBadKind = errors.New("prompts: unknown kind")
	// ErrBadLanguage means a language has no prompts.
	ErrBadLanguage = errors.New("prompts: unknown language")
	// ErrInUse means a prompt or music to remove is named by a flow or a
	// queue and nothing else would stand in for it.
	ErrInUse = errors.New("prompts: in use")
)
