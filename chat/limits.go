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
