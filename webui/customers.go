package webui

import (
	"errors"
	"fmt"
	"net/http"
	"net/url"
	"strconv"
	"strings"

	"github.com/switchboard-cc/switchboard/internal/customer"
)

// The console's manual merge and split of customer records: identities
// resolve to one customer automatically when they match; an agent joins
// two records of the same person, or separates identities that were
// wrongly joined (with the timeline entries that came through them), and
// confirms an identity a visitor typed (shown unconfirmed until then).

// mergeCustomers merges customer from into customer into, both given as
// the numbers the console shows.
func (s *Server) mergeCustomers(r *http.Request, into, from string) (customer.Customer, error) {
	a, err := strconv.ParseInt(into, 10, 64)
	if err != nil {
		return customer.Customer{}, customer.ErrNotFound
	}
	b, err := strconv.ParseInt(strings.TrimPrefix(strings.TrimSpace(from), "#"), 10, 64)
	if err != nil {
		return customer.Customer{}, fmt.Errorf("%w: from: want a customer number", errBadCustomerEdit)
	}
	if a == b {
		return customer.Customer{}, fmt.Errorf("%w: from: a customer cannot be merged into itself", errBadCustomerEdit)
	}
	return s.cfg.Customers.Merge(r.Context(), a, b)
}

// splitCustomer moves the identities ids ("kind:value") of customer id to
// a new customer named name.
func (s *Server) splitCustomer(r *http.Request, id string, ids []customer.Identity, name string) (customer.Customer, error) {
	cid, err := strconv.ParseInt(id, 10, 64)
	if err != nil {
		return customer.Customer{}, customer.ErrNotFound
	}
	if len(ids) == 0 {
		return customer.Customer{}, fmt.Errorf("%w: identities: choose at least one to move", errBadCustomerEdit)
	}
	c, err := s.cfg.Customers.Get(r.Context(), cid)
	if err != nil {
		return customer.Customer{}, err
	}
	if len(ids) >= len(c.Identities) {
		return customer.Customer{}, fmt.Errorf("%w: identities: leave at least one with this customer (a merge is the other way round)", errBadCustomerEdit)
	}
	return s.cfg.Customers.Split(r.Context(), cid, ids, strings.TrimSpace(name))
}

// confirmIdentity confirms identity id of customer cid (the number the
// console shows): the agent checked it belongs to this person.
func (s *Server) confirmIdentity(r *http.Request, cid string, id customer.Identity) (customer.Customer, error) {
	n, err := strconv.ParseInt(cid, 10, 64)
	if err != nil {
		return customer.Customer{}, customer.ErrNotFound
	}
	if id.Kind == "" || id.Value == "" {
		return customer.Customer{}, fmt.Errorf("%w: identity: choose the identity to confirm", errBadCustomerEdit)
	}
	return s.cfg.Customers.Confirm(r.Context(), n, id)
}

// withCustomers answers 404 on an appliance without the customer
// directory.
func (s *Server) withCustomers(api bool, h http.HandlerFunc) http.HandlerFunc {
	return func(w http.ResponseWriter, r *http.Request) {
		switch {
		case s.cfg.Customers != nil:
			h(w, r)
		case api:
			writeError(w, http.StatusNotFound, "customers are not available")
		default:
			http.NotFound(w, r)
		}
	}
}

// errBadCustomerEdit is a merge or split the console refuses as asked.
var errBadCustomerEdit = errors.New("bad request")

// customerEditStatus maps a merge, split or confirm error to an HTTP status and a
// message for the agent; ok is false for a server fault.
func customerEditStatus(err error) (code int, msg string, ok bool) {
	switch {
	case errors.Is(err, errBadCustomerEdit), errors.Is(err, customer.ErrBadIdentity), errors.Is(err, customer.ErrBadPhone), errors.Is(err, customer.ErrBadEmail):
		return http.StatusUnprocessableEntity, strings.TrimPrefix(err.Error(), errBadCustomerEdit.Error()+": "), true
	case errors.Is(err, customer.ErrNotFound):
		return http.StatusNotFound, "no such customer, or the identity is not this customer's", true
	}
	return 0, "", false
}

// parseIdentities reads "kind:value" form values.
func parseIdentities(vals []string) []customer.Identity {
	var ids []customer.Identity
	for _, v := range vals {
		kind, value, ok := strings.Cut(v, ":")
		if ok {
			ids = append(ids, customer.Identity{Kind: customer.Kind(kind), Value: value})
		}
	}
	return ids
}

func (s *Server) customerMergeSubmit(w http.ResponseWriter, r *http.Request) {
	c, err := s.mergeCustomers(r, r.PathValue("id"), r.PostFormValue("from"))
	s.afterCustomerEdit(w, r, c, err)
}

func (s *Server) customerSplitSubmit(w http.ResponseWriter, r *http.Request) {
	if err := r.ParseForm(); err != nil {
		http.Error(w, "bad form", http.StatusBadRequest)
		return
	}
	c, err := s.splitCustomer(r, r.PathValue("id"), parseIdentities(r.PostForm["identity"]), r.PostFormValue("name"))
	s.afterCustomerEdit(w, r, c, err)
}

func (s *Server) customerConfirmSubmit(w http.ResponseWriter, r *http.Request) {
	var id customer.Identity
	if ids := parseIdentities([]string{r.PostFormValue("identity")}); len(ids) == 1 {
		id = ids[0]
	}
	c, err := s.confirmIdentity(r, r.PathValue("id"), id)
	s.afterCustomerEdit(w, r, c, err)
}

// afterCustomerEdit shows the customer that results, or the refusal.
func (s *Server) afterCustomerEdit(w http.ResponseWriter, r *http.Request, c customer.Customer, err error) {
	if err != nil {
		code, msg, ok := customerEditStatus(err)
		if !ok {
			s.serverError(w, r, err)
			return
		}
		http.Error(w, msg, code)
		return
	}
	http.Redirect(w, r, "/console?customer="+url.QueryEscape(strconv.FormatInt(c.ID, 10)), http.StatusSeeOther)
}

func (s *Server) apiMergeCustomer(w http.ResponseWriter, r *http.Request) {
	var in struct {
		From int64 `json:"from"`
	}
	if err := readJSON(r, &in); err != nil {
		writeError(w, http.StatusBadRequest, "bad JSON: "+err.Error())
		return
	}
	c, err := s.mergeCustomers(r, r.PathValue("id"), strconv.FormatInt(in.From, 10))
	s.apiCustomerEdit(w, r, c, err)
}

func (s *Server) apiSplitCustomer(w http.ResponseWriter, r *http.Request) {
	var in struct {
		Identities []customer.Identity `json:"identities"`
		Name       string              `json:"name"`
	}
	if err := readJSON(r, &in); err != nil {
		writeError(w, http.StatusBadRequest, "bad JSON: "+err.Error())
		return
	}
	c, err := s.splitCustomer(r, r.PathValue("id"), in.Identities, in.Name)
	s.apiCustomerEdit(w, r, c, err)
}

func (s *Server) apiConfirmIdentity(w http.ResponseWriter, r *http.Request) {
	var in customer.Identity
	if err := readJSON(r, &in); err != nil {
		writeError(w, http.StatusBadRequest, "bad JSON: "+err.Error())
		return
	}
	c, err := s.confirmIdentity(r, r.PathValue("id"), in)
	s.apiCustomerEdit(w, r, c, err)
}

// apiCustomerEdit answers a merge or split with the resulting customer.
func (s *Server) apiCustomerEdit(w http.ResponseWriter, r *http.Request, c customer.Customer, err error) {
	if err != nil {
		code, msg, ok := customerEditStatus(err)
		if !ok {
			s.apiServerError(w, r, err)
			return
		}
		writeError(w, code, msg)
		return
	}
	writeJSON(w, http.StatusOK, c)
}
