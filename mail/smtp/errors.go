package smtp

import "errors"

// ErrScheme is returned for a URL whose scheme is neither smtp nor smtps.
var ErrScheme = errors.New("smtp: url scheme must be smtp or smtps")
