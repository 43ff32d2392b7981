// Package prompts holds the appliance's default voice prompts in English
// and French and music on hold, as raw 8 kHz G.711 µ-law generated once by
// generate.sh (espeak-ng and sox) and embedded; it composes numbers, queue
// positions and wait times from spoken pieces, and converts uploaded WAV
// files to the same format. A Library keeps the uploads (in the store) and
// resolves a name to the upload first, then the built-in.
package prompts

import (
	"embed"
	"fmt"
	"io/fs"
	"slices"
)

//go:embed en/*.ul fr/*.ul music.ul
var files embed.FS

// Names of the fixed prompts every language has.
const (
	Welcome      = "welcome"
	Closed       = "closed"
	Invalid      = "invalid"
	Goodbye      = "goodbye"
	Callback     = "callback"
	YouAreNumber = "you-are-number"
	InQueue      = "in-queue"
	ExpectedWait = "expected-wait"
	Minute       = "minute"
	Minutes      = "minutes"
	// PressForCallback is "to be called back without losing your place,
	// press" (the digit follows).
	PressForCallback = "press-for-callback"
	LoggedIn         = "logged-in"
	LoggedOut        = "logged-out"
	Paused           = "paused"
)

// MaxNumber is the largest number the pieces can say; larger ones are said
// as MaxNumber.
const MaxNumber = 99

// Languages lists the languages with prompts.
func Languages() []string { return []string{"en", "fr"} }

// Get returns the µ-law audio of the prompt name in lang.
func Get(lang, name string) ([]byte, error) {
	if !slices.Contains(Languages(), lang) {
		return nil, fmt.Errorf("%w: language %q", ErrNoPrompt, lang)
	}
	b, err := fs.ReadFile(files, lang+"/"+name+".ul")
	if err != nil {
		return nil, fmt.Errorf("%w: %s/%s", ErrNoPrompt, lang, name)
	}
	return b, nil
}

// Music returns the music on hold, a loop of µ-law audio.
func Music() []byte {
	b, _ := files.ReadFile("music.ul") // embedded, present by construction
	return b
}

// Number returns the names of the pieces that say n (0 to MaxNumber,
// clamped) in lang.
func Number(lang string, n int) ([]string, error) {
	n = min(max(n, 0), MaxNumber)
	switch lang {
	case "en":
		return english(n), nil
	case "fr":
		return french(n), nil
	}
	return nil, fmt.Errorf("%w: language %q", ErrNoPrompt, lang)
}

func english(n int) []string {
	if n < 20 || n%10 == 0 {
		return []string{fmt.Sprint(n)}
	}
	return []string{fmt.Sprint(n / 10 * 10), fmt.Sprint(n % 10)}
}

func french(n int) []string {
	switch {
	case n <= 16:
		return []string{fmt.Sprint(n)}
	case n < 20:
		return []string{"10", fmt.Sprint(n - 10)}
	case n < 70:
		tens, u := fmt.Sprint(n/10*10), n%10
		switch u {
		case 0:
			return []string{tens}
		case 1:
			return []string{tens, "et", "1"}
		}
		return []string{tens, fmt.Sprint(u)}
	case n < 80: // soixante-dix … soixante-dix-neuf
		if n == 71 {
			return []string{"60", "et", "11"}
		}
		return append([]string{"60"}, french(n-60)...)
	case n == 80:
		return []string{"80"}
	default: // quatre-vingt-un … quatre-vingt-dix-neuf, without "et"
		return append([]string{"80"}, french(n-80)...)
	}
}

// Position returns the pieces of "you are number n in the queue".
func Position(lang string, n int) ([]string, error) {
	num, err := Number(lang, n)
	if err != nil {
		return nil, err
	}
	return slices.Concat([]string{YouAreNumber}, num, []string{InQueue}), nil
}

// Wait returns the pieces of "your expected wait is about m minutes"; a
// wait under one minute is said as one minute. French minutes are
// feminine: une minute, vingt et une minutes.
func Wait(lang string, minutes int) ([]string, error) {
	m := max(minutes, 1)
	num, err := Number(lang, m)
	if err != nil {
		return nil, err
	}
	if last := len(num) - 1; lang == "fr" && num[last] == "1" {
		num[last] = "une"
	}
	unit := Minutes
	if m == 1 {
		unit = Minute
	}
	return slices.Concat([]string{ExpectedWait}, num, []string{unit}), nil
}

// Audio returns the concatenated audio of the named pieces in lang.
func Audio(lang string, names []string) ([]byte, error) {
	var out []byte
	for _, name := range names {
		b, err := Get(lang, name)
		if err != nil {
			return nil, err
		}
		out = append(out, b...)
	}
	return out, nil
}
