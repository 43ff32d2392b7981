package dialplan

import "fmt"

// Class is an extension's permission class for outbound calls; each class
// allows the numbers of the classes below it.
type Class int

// The permission classes, narrowest first.
const (
	// ClassInternal allows no external number (emergency numbers excepted).
	ClassInternal Class = iota
	// ClassLocal allows routes marked local.
	ClassLocal
	// ClassNational allows numbers in the trunk's country.
	ClassNational
	// ClassInternational allows every number.
	ClassInternational
)

var classNames = [...]string{"internal", "local", "national", "international"}

// String returns the class name as written in the configuration.
func (c Class) String() string {
	if c < 0 || int(c) >= len(classNames) {
		return fmt.Sprintf("Class(%d)", int(c))
	}
	return classNames[c]
}

// ParseClass parses a class name; empty means ClassNational.
func ParseClass(s string) (Class, error) {
	if s == "" {
		return ClassNational, nil
	}
	for i, n := range classNames {
		if n == s {
			return Class(i), nil
		}
	}
	return 0, fmt.Errorf("dialplan: unknown class %q (want internal, local, national or international)", s)
}
