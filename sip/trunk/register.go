package trunk

import (
	"context"
	"errors"
	"fmt"
	"strconv"
	"time"

	"github.com/emiago/sipgo"
	"github.com/emiago/sipgo/sip"
)

// registration keeps one trunk registered (RFC 3261 section 10.2): the same
// Call-ID and increasing CSeq across refreshes.
type registration struct {
	m      *Manager
	t      Trunk
	callID sip.CallIDHeader
	tag    string
	cseq   uint32
}

func newRegistration(m *Manager, t Trunk) *registration {
	return &registration{m: m, t: t, callID: sip.CallIDHeader(sip.GenerateTagN(24)), tag: sip.GenerateTagN(16), cseq: 1}
}

// unregisterTimeout bounds the REGISTER removing a dropped trunk's
// registration.
const unregisterTimeout = 5 * time.Second

// run keeps the trunk registered until ctx ends; when it ends with
// errDropped (the trunk was removed or changed), the registration is
// removed from the provider first.
func (r *registration) run(ctx context.Context) {
	registered := false
	defer func() {
		if registered && errors.Is(context.Cause(ctx), errDropped) {
			r.unregister(context.WithoutCancel(ctx))
		}
	}()
	minB, maxB := r.m.cfg.MinBackoff, r.m.cfg.MaxBackoff
	if minB <= 0 {
		minB = 2 * time.Second
	}
	if maxB <= 0 {
		maxB = 5 * time.Minute
	}
	backoff := minB
	for {
		granted, err := r.register(ctx, r.t.expiry())
		registered = registered || err == nil
		if ctx.Err() != nil {
			return
		}
		var wait time.Duration
		if err != nil {
			r.m.setStatus(Status{Trunk: r.t.Name, State: StateFailing, Reason: err.Error(), Since: time.Now()})
			r.m.log.Warn("trunk: registration failed", "trunk", r.t.Name, "err", err, "retry_in", backoff)
			wait = backoff
			backoff = min(backoff*2, maxB)
		} else {
			r.m.setStatus(Status{Trunk: r.t.Name, State: StateRegistered, Expires: time.Now().Add(granted), Since: time.Now()})
			r.m.log.Debug("trunk: registered", "trunk", r.t.Name, "expires", granted)
			backoff = minB
			wait = refreshAfter(granted)
		}
		timer := time.NewTimer(wait)
		select {
		case <-ctx.Done():
			timer.Stop()
			return
		case <-timer.C:
		}
	}
}

// refreshAfter refreshes a registration before it lapses: at 3/4 of short
// lifetimes, 60 s before expiry of long ones.
func refreshAfter(granted time.Duration) time.Duration {
	if granted > 4*time.Minute {
		return granted - time.Minute
	}
	return granted * 3 / 4
}

// unregister removes the registration (Expires: 0, RFC 3261 section
// 10.2.2); a failure is logged, the registration then lapses at expiry.
func (r *registration) unregister(ctx context.Context) {
	ctx, cancel := context.WithTimeout(ctx, unregisterTimeout)
	defer cancel()
	if _, err := r.register(ctx, 0); err != nil {
		r.m.log.Info("trunk: unregister failed, the registration lapses at expiry", "trunk", r.t.Name, "err", err)
		return
	}
	r.m.log.Info("trunk: unregistered", "trunk", r.t.Name)
}

// request builds a REGISTER asking for expiry (0 removes the binding).
func (r *registration) request(expiry time.Duration) *sip.Request {
	aor := r.t.uri(r.t.Username)
	recipient := r.t.uri("")
	req := sip.NewRequest(sip.REGISTER, recipient)
	from := &sip.FromHeader{Address: aor, Params: sip.NewParams()}
	from.Params.Add("tag", r.tag)
	req.AppendHeader(from)
	req.AppendHeader(&sip.ToHeader{Address: aor, Params: sip.NewParams()})
	req.AppendHeader(&r.callID)
	req.AppendHeader(&sip.CSeqHeader{SeqNo: r.cseq, MethodName: sip.REGISTER})
	client := r.m.clientFor(r.t)
	contactHost := r.m.cfg.ContactHost
	if contactHost == "" {
		contactHost = client.Hostname()
	}
	contact := "<sip:" + r.t.Username + "@" + contactHost + ">"
	if r.t.transport() == "tcp" {
		contact = "<sip:" + r.t.Username + "@" + contactHost + ";transport=tcp>"
	}
	req.AppendHeader(sip.NewHeader("Contact", contact))
	req.AppendHeader(sip.NewHeader("Expires", strconv.Itoa(int(expiry/time.Second))))
	req.SetTransport(r.t.transport())
	req.SetDestination(r.t.destination())
	return req
}

// register sends one REGISTER asking for expiry, answers a 401/407
// challenge once, and returns the lifetime granted.
func (r *registration) register(ctx context.Context, expiry time.Duration) (time.Duration, error) {
	timeout := r.m.cfg.Timeout
	if timeout <= 0 {
		timeout = 32 * time.Second
	}
	ctx, cancel := context.WithTimeout(ctx, timeout)
	defer cancel()
	req := r.request(expiry)
	client := r.m.clientFor(r.t)
	res, err := client.Do(ctx, req)
	if err == nil && (res.StatusCode == sip.StatusUnauthorized || res.StatusCode == sip.StatusProxyAuthRequired) {
		res, err = client.DoDigestAuth(ctx, req, res, sipgo.DigestAuth{Username: r.t.Username, Password: r.t.Password})
	}
	if cs := req.CSeq(); cs != nil {
		r.cseq = cs.SeqNo + 1
	}
	if err != nil {
		return 0, fmt.Errorf("trunk %s: register: %w", r.t.Name, err)
	}
	if res.StatusCode < 200 || res.StatusCode > 299 {
		return 0, fmt.Errorf("%w: %d %s", ErrRejected, res.StatusCode, res.Reason)
	}
	return granted(res, expiry), nil
}

// granted reads the lifetime the registrar granted: the Contact's expires
// parameter, else the Expires header, else what was asked.
func granted(res *sip.Response, asked time.Duration) time.Duration {
	if c := res.Contact(); c != nil {
		if v, ok := c.Params.Get("expires"); ok {
			if n, err := strconv.Atoi(v); err == nil && n > 0 {
				return time.Duration(n) * time.Second
			}
		}
	}
	if h := res.GetHeader("Expires"); h != nil {
		if n, err := strconv.Atoi(h.Value()); err == nil && n > 0 {
			return time.Duration(n) * time.Second
		}
	}
	return asked
}
