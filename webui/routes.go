package webui

import (
	"encoding/json"
	"errors"
	"io/fs"
	"net/http"

	"github.com/switchboard-cc/switchboard/webui/auth"
)

// maxBody bounds every request body the panel reads.
const maxBody = 1 << 20

func (s *Server) routes() http.Handler {
	mux := http.NewServeMux()
	static, _ := fs.Sub(assets, "assets/static")
	mux.Handle("GET /static/", http.StripPrefix("/static/", http.FileServerFS(static)))

	mux.HandleFunc("GET /login", s.loginPage)
	mux.HandleFunc("POST /login", s.loginSubmit)
	mux.Handle("POST /logout", s.page(auth.RoleAgent, s.logout))
	mux.Handle("GET /{$}", s.page(auth.RoleAgent, s.home))

	mux.Handle("GET /admin/{$}", s.page(auth.RoleAdmin, func(w http.ResponseWriter, r *http.Request) {
		http.Redirect(w, r, "/admin/extensions", http.StatusSeeOther)
	}))
	mux.Handle("GET /admin/extensions", s.page(auth.RoleAdmin, s.extensionsPage))
	mux.Handle("POST /admin/extensions", s.page(auth.RoleAdmin, s.extensionsSubmit))
	mux.Handle("POST /admin/extensions/{number}/delete", s.page(auth.RoleAdmin, s.extensionDelete))
	mux.Handle("GET /admin/users", s.page(auth.RoleAdmin, s.usersPage))
	mux.Handle("POST /admin/users", s.page(auth.RoleAdmin, s.usersSubmit))
	mux.Handle("POST /admin/users/{name}/delete", s.page(auth.RoleAdmin, s.userDeleteSubmit))
	mux.Handle("POST /admin/users/{name}/password", s.page(auth.RoleAdmin, s.userPasswordSubmit))
	mux.Handle("GET /admin/agents", s.page(auth.RoleAdmin, s.agentsPage))
	mux.Handle("POST /admin/agents", s.page(auth.RoleAdmin, s.agentSubmit))
	mux.Handle("POST /admin/agents/{name}/delete", s.page(auth.RoleAdmin, s.agentDelete))
	mux.Handle("GET /admin/queues", s.page(auth.RoleAdmin, s.queuesPage))
	mux.Handle("POST /admin/queues", s.page(auth.RoleAdmin, s.queueSubmit))
	mux.Handle("POST /admin/queues/{name}/delete", s.page(auth.RoleAdmin, s.queueDelete))
	mux.Handle("GET /admin/trunks", s.page(auth.RoleAdmin, s.trunksPage))
	mux.Handle("POST /admin/trunks", s.page(auth.RoleAdmin, s.trunkSubmit))
	mux.Handle("POST /admin/trunks/{name}/delete", s.page(auth.RoleAdmin, s.trunkDelete))
	mux.Handle("GET /admin/routes", s.page(auth.RoleAdmin, s.routesPage))
	mux.Handle("POST /admin/routes", s.page(auth.RoleAdmin, s.routesSubmit))
	mux.Handle("POST /admin/routes/permissions", s.page(auth.RoleAdmin, s.permissionsSubmit))
	mux.Handle("GET /admin/calendars", s.page(auth.RoleAdmin, s.calendarsPage))
	mux.Handle("POST /admin/calendars", s.page(auth.RoleAdmin, s.calendarSubmit))
	mux.Handle("POST /admin/calendars/{name}/delete", s.page(auth.RoleAdmin, s.calendarDelete))
	mux.Handle("GET /admin/widgets", s.page(auth.RoleAdmin, s.widgetsPage))
	mux.Handle("POST /admin/widgets", s.page(auth.RoleAdmin, s.widgetSubmit))
	mux.Handle("POST /admin/widgets/{name}/delete", s.page(auth.RoleAdmin, s.widgetDelete))
	mux.Handle("GET /admin/mailboxes", s.page(auth.RoleAdmin, s.mailboxesPage))
	mux.Handle("POST /admin/mailboxes", s.page(auth.RoleAdmin, s.mailboxSubmit))
	mux.Handle("POST /admin/mailboxes/{name}/delete", s.page(auth.RoleAdmin, s.mailboxDelete))
	mux.Handle("GET /admin/flows", s.page(auth.RoleAdmin, s.flowsPage))
	mux.Handle("GET /admin/settings", s.page(auth.RoleAdmin, s.settingsPage))
	mux.Handle("POST /admin/settings", s.page(auth.RoleAdmin, s.settingsSubmit))
	mux.Handle("GET /admin/config", s.page(auth.RoleAdmin, s.configPage))
	mux.Handle("POST /admin/config", s.page(auth.RoleAdmin, s.configSubmit))
	mux.Handle("GET /admin/prompts", s.page(auth.RoleAdmin, s.promptsPage))
	mux.Handle("POST /admin/prompts", s.page(auth.RoleAdmin, s.promptSubmit))
	mux.Handle("POST /admin/prompts/{lang}/{name}/delete", s.page(auth.RoleAdmin, s.promptDelete))

	mux.Handle("GET /console", s.page(auth.RoleAgent, s.consolePage))
	mux.Handle("POST /console/customers/{id}/notes", s.page(auth.RoleAgent, s.withCustomers(false, s.noteSubmit)))
	mux.Handle("POST /console/customers/{id}/merge", s.page(auth.RoleAgent, s.withCustomers(false, s.customerMergeSubmit)))
	mux.Handle("POST /console/customers/{id}/split", s.page(auth.RoleAgent, s.withCustomers(false, s.customerSplitSubmit)))
	mux.Handle("POST /console/customers/{id}/confirm", s.page(auth.RoleAgent, s.withCustomers(false, s.customerConfirmSubmit)))
	mux.Handle("GET /console/emails/{id}", s.page(auth.RoleAgent, s.withMail(false, s.emailPage)))
	mux.Handle("GET /console/emails/{id}/messages/{msg}/raw", s.page(auth.RoleAgent, s.withMail(false, s.sending(s.emailRaw))))
	mux.Handle("GET /console/emails/{id}/attachments/{att}", s.page(auth.RoleAgent, s.withMail(false, s.sending(s.emailAttachment))))
	mux.Handle("POST /console/emails/{id}/reply", s.page(auth.RoleAgent, s.withMail(false, s.emailReplySubmit)))
	mux.Handle("/console/chat/", s.page(auth.RoleAgent, s.serveChat))
	mux.HandleFunc("/chat/", s.serveChatPublic)

	mux.Handle("GET /wallboard", s.page(auth.RoleSupervisor, s.wallboardPage))
	mux.Handle("GET /reports/cdrs", s.page(auth.RoleSupervisor, s.cdrPage))
	mux.Handle("GET /reports/funnel", s.page(auth.RoleSupervisor, s.funnelPage))
	mux.Handle("GET /reports/service", s.page(auth.RoleSupervisor, s.servicePage))

	mux.HandleFunc("GET /api/v1/openapi.json", s.openAPI)
	mux.Handle("GET /api/v1/wallboard", s.api(auth.RoleSupervisor, s.apiWallboard))
	mux.Handle("POST /api/v1/agents/{agent}/presence", s.api(auth.RoleSupervisor, s.apiAgentPresence))
	mux.Handle("POST /api/v1/agents/{agent}/supervise", s.api(auth.RoleSupervisor, s.apiSupervise))
	mux.Handle("POST /api/v1/me/presence", s.api(auth.RoleAgent, s.apiMyPresence))
	mux.Handle("GET /api/v1/me/items", s.api(auth.RoleAgent, s.apiMyItems))
	mux.Handle("GET /api/v1/me/items/events", s.api(auth.RoleAgent, s.apiMyItemsEvents))
	mux.Handle("GET /api/v1/me/emails", s.api(auth.RoleAgent, s.withMail(true, s.apiMyEmails)))
	mux.Handle("GET /api/v1/emails/{id}", s.api(auth.RoleAgent, s.withMail(true, s.apiEmail)))
	mux.Handle("GET /api/v1/emails/{id}/attachments/{att}", s.api(auth.RoleAgent, s.withMail(true, s.sending(s.emailAttachment))))
	mux.Handle("POST /api/v1/emails/{id}/reply", s.api(auth.RoleAgent, s.withMail(true, s.apiEmailReply)))
	mux.Handle("GET /api/v1/funnel", s.api(auth.RoleSupervisor, s.apiFunnel))
	mux.Handle("GET /api/v1/reports/service", s.api(auth.RoleSupervisor, s.apiService))
	mux.Handle("GET /api/v1/cdrs", s.api(auth.RoleSupervisor, s.apiCDRs))
	mux.Handle("GET /api/v1/cdrs.csv", s.api(auth.RoleSupervisor, s.sending(s.apiCDRsCSV)))
	mux.Handle("GET /api/v1/cdrs/{id}/recording", s.api(auth.RoleSupervisor, s.sending(s.apiCDRRecording)))
	mux.Handle("GET /api/v1/customers", s.api(auth.RoleAgent, s.withCustomers(true, s.apiCustomers)))
	mux.Handle("GET /api/v1/customers/{id}", s.api(auth.RoleAgent, s.withCustomers(true, s.apiCustomer)))
	mux.Handle("POST /api/v1/customers/{id}/notes", s.api(auth.RoleAgent, s.withCustomers(true, s.apiAddNote)))
	mux.Handle("POST /api/v1/customers/{id}/merge", s.api(auth.RoleAgent, s.withCustomers(true, s.apiMergeCustomer)))
	mux.Handle("POST /api/v1/customers/{id}/split", s.api(auth.RoleAgent, s.withCustomers(true, s.apiSplitCustomer)))
	mux.Handle("POST /api/v1/customers/{id}/confirm", s.api(auth.RoleAgent, s.withCustomers(true, s.apiConfirmIdentity)))
	mux.Handle("GET /api/v1/me", s.api(auth.RoleAgent, s.apiMe))
	mux.Handle("POST /api/v1/tokens", s.api(auth.RoleAgent, s.apiCreateToken))
	mux.Handle("GET /api/v1/extensions", s.api(auth.RoleAdmin, s.apiExtensions))
	mux.Handle("POST /api/v1/extensions", s.api(auth.RoleAdmin, s.apiPutExtension))
	mux.Handle("DELETE /api/v1/extensions/{number}", s.api(auth.RoleAdmin, s.apiDeleteExtension))
	mux.Handle("GET /api/v1/agents", s.api(auth.RoleAdmin, s.apiAgents))
	mux.Handle("PUT /api/v1/agents/{name}", s.api(auth.RoleAdmin, s.apiPutAgent))
	mux.Handle("DELETE /api/v1/agents/{name}", s.api(auth.RoleAdmin, s.apiDeleteAgent))
	mux.Handle("GET /api/v1/queues", s.api(auth.RoleAdmin, s.apiQueues))
	mux.Handle("PUT /api/v1/queues/{name}", s.api(auth.RoleAdmin, s.apiPutQueue))
	mux.Handle("DELETE /api/v1/queues/{name}", s.api(auth.RoleAdmin, s.apiDeleteQueue))
	mux.Handle("GET /api/v1/trunks", s.api(auth.RoleAdmin, s.apiTrunks))
	mux.Handle("PUT /api/v1/trunks/{name}", s.api(auth.RoleAdmin, s.apiPutTrunk))
	mux.Handle("DELETE /api/v1/trunks/{name}", s.api(auth.RoleAdmin, s.apiDeleteTrunk))
	mux.Handle("GET /api/v1/routes", s.api(auth.RoleAdmin, s.apiRoutes))
	mux.Handle("PUT /api/v1/routes", s.api(auth.RoleAdmin, s.apiPutRoutes))
	mux.Handle("GET /api/v1/permissions", s.api(auth.RoleAdmin, s.apiPermissions))
	mux.Handle("PUT /api/v1/permissions", s.api(auth.RoleAdmin, s.apiPutPermissions))
	mux.Handle("GET /api/v1/calendars", s.api(auth.RoleAdmin, s.apiCalendars))
	mux.Handle("PUT /api/v1/calendars/{name}", s.api(auth.RoleAdmin, s.apiPutCalendar))
	mux.Handle("DELETE /api/v1/calendars/{name}", s.api(auth.RoleAdmin, s.apiDeleteCalendar))
	mux.Handle("GET /api/v1/widgets", s.api(auth.RoleAdmin, s.apiWidgets))
	mux.Handle("PUT /api/v1/widgets/{name}", s.api(auth.RoleAdmin, s.apiPutWidget))
	mux.Handle("DELETE /api/v1/widgets/{name}", s.api(auth.RoleAdmin, s.apiDeleteWidget))
	mux.Handle("GET /api/v1/mailboxes", s.api(auth.RoleAdmin, s.apiMailboxes))
	mux.Handle("PUT /api/v1/mailboxes/{name}", s.api(auth.RoleAdmin, s.apiPutMailbox))
	mux.Handle("DELETE /api/v1/mailboxes/{name}", s.api(auth.RoleAdmin, s.apiDeleteMailbox))
	mux.Handle("GET /api/v1/users", s.api(auth.RoleAdmin, s.apiUsers))
	mux.Handle("POST /api/v1/users", s.api(auth.RoleAdmin, s.apiCreateUser))
	mux.Handle("DELETE /api/v1/users/{name}", s.api(auth.RoleAdmin, s.apiDeleteUser))
	mux.Handle("POST /api/v1/users/{name}/password", s.api(auth.RoleAdmin, s.apiResetPassword))
	mux.Handle("POST /api/v1/me/password", s.api(auth.RoleAgent, s.apiChangeMyPassword))
	mux.Handle("GET /api/v1/settings", s.api(auth.RoleAdmin, s.apiSettings))
	mux.Handle("PUT /api/v1/settings", s.api(auth.RoleAdmin, s.apiPutSettings))
	mux.Handle("GET /api/v1/config", s.api(auth.RoleAdmin, s.sending(s.apiExportConfig)))
	mux.Handle("PUT /api/v1/config", s.api(auth.RoleAdmin, s.apiImportConfig))
	mux.Handle("POST /api/v1/config/validate", s.api(auth.RoleAdmin, s.apiValidateConfig))
	mux.Handle("GET /api/v1/prompts", s.api(auth.RoleAdmin, s.apiPrompts))
	mux.Handle("POST /api/v1/prompts", s.api(auth.RoleAdmin, s.apiAddPrompt))
	mux.Handle("GET /api/v1/prompts/{lang}/{file}", s.api(auth.RoleAdmin, s.sending(s.apiPromptAudio)))
	mux.Handle("DELETE /api/v1/prompts/{lang}/{name}", s.api(auth.RoleAdmin, s.apiDeletePrompt))
	mux.Handle("GET /api/v1/events", s.api(auth.RoleSupervisor, s.apiEvents))

	if s.cfg.Contact != nil {
		mux.Handle("/contact/", s.cfg.Contact)
	}
	return securityHeaders(s.cfg.TLS, bodyLimits(mux))
}

// securityHeaders forbids inline scripts, framing and MIME sniffing, and
// under TLS tells browsers to keep to HTTPS.
func securityHeaders(tls bool, next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		h := w.Header()
		if tls {
			h.Set("Strict-Transport-Security", "max-age=31536000")
		}
		h.Set("Content-Security-Policy", "default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self' data:; frame-ancestors 'none'; form-action 'self'; base-uri 'none'")
		h.Set("X-Content-Type-Options", "nosniff")
		h.Set("X-Frame-Options", "DENY")
		h.Set("Referrer-Policy", "same-origin")
		next.ServeHTTP(w, r)
	})
}

// page guards an HTML route: anonymous GETs go to the login page.
func (s *Server) page(need auth.Role, h http.HandlerFunc) http.Handler {
	return s.auth.Require(need, func(w http.ResponseWriter, r *http.Request, status int) {
		if status == http.StatusUnauthorized && r.Method == http.MethodGet {
			http.Redirect(w, r, "/login", http.StatusSeeOther)
			return
		}
		http.Error(w, http.StatusText(status), status)
	}, h)
}

// api guards a JSON route.
func (s *Server) api(need auth.Role, h http.HandlerFunc) http.Handler {
	return s.auth.Require(need, func(w http.ResponseWriter, r *http.Request, status int) {
		writeError(w, status, http.StatusText(status))
	}, h)
}

type apiError struct {
	Error  string       `json:"error"`
	Errors []fieldError `json:"errors,omitempty"`
}

type fieldError struct {
	Path string `json:"path"`
	Line int    `json:"line"`
	Msg  string `json:"msg"`
}

func writeJSON(w http.ResponseWriter, status int, v any) {
	w.Header().Set("Content-Type", "application/json")
	w.Header().Set("Cache-Control", "no-store")
	w.WriteHeader(status)
	json.NewEncoder(w).Encode(v)
}

func writeError(w http.ResponseWriter, status int, msg string) {
	writeJSON(w, status, apiError{Error: msg})
}

// readJSON decodes a bounded JSON body into v, refusing unknown fields.
func readJSON(r *http.Request, v any) error {
	dec := json.NewDecoder(r.Body)
	dec.DisallowUnknownFields()
	if err := dec.Decode(v); err != nil {
		return err
	}
	if dec.More() {
		return errors.New("trailing data after the JSON value")
	}
	return nil
}
