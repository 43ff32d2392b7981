package chat

// chatsFull reports whether visitors at ip already have
// Config.MaxChatsPerIP chats open.
func (s *Server) chatsFull(ip string) bool {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.chatsIP[ip] >= s.cfg.MaxChatsPerIP
}

// countChatLocked counts ss as opened (delta 1) or closed (-1) for the
// address that started it.
func (s *Server) countChatLocked(ss *session, delta int) {
	if ss.ip == "" {
		return
	}
	if s.chatsIP[ss.ip] += delta; s.chatsIP[ss.ip] <= 0 {
		delete(s.chatsIP, ss.ip)
	}
}

// allowMessage reports whether one more visitor message fits ss's rate:
// a visitor's connections to one chat (tabs, or a script opening many)
// share Config.Rate and Burst, as each connection does on its own.
func (s *Server) allowMessage(ss *session) bool {
	s.mu.Lock()
	defer s.mu.Unlock()
	if ss.rate.burst == 0 {
		ss.rate = bucket{rate: s.cfg.Rate, burst: float64(s.cfg.Burst)}
	}
	return ss.rate.allow(s.cfg.Now())
}
