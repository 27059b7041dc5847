package storeio

import "errors"

// ErrNotCommitted is the error of a job that Open started and that was
// closed without a commit.
var ErrNotCommitted = errors.New("closed without a commit; nothing was committed")
