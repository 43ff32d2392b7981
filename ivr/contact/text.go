package contact

import "context"

// texts are the contact page's own words in one language. The flows'
// titles and labels are the admin's and are shown as written. About thirty
// strings in two languages need no i18n library: a struct per language
// keeps every page's words together, and a test checks none is empty.
type texts struct {
	// Lang is the page's <html lang>.
	Lang string
	// Default titles.
	ContactUs, SelfService, ThankYou, HowToReach, CallbackTitle, EmailTitle string
	// Section headings, labels and buttons.
	HelpYourself, Choices, ChatWithUs, AgentAvailable, StartChat, CallUs string
	GetCode, DialBefore, DialAfter, CodeOnce, NoCode                     string
	YourPhone, WhenSuits, RequestCallback, YourEmail, YourMessage, Send  string
	// Form answers; CallbackDone takes the window with %s.
	CallbackError, CallbackDone, EmailError, EmailDone string
	// Plain-text errors of a form post.
	Expired, TooMany, Unavailable string
}

// catalogue holds the texts by language.
var catalogue = map[string]*texts{
	"en": {
		Lang:            "en",
		ContactUs:       "Contact us",
		SelfService:     "Self-service help",
		ThankYou:        "Thank you",
		HowToReach:      "How would you like to reach us?",
		CallbackTitle:   "We call you back",
		EmailTitle:      "Write to us",
		HelpYourself:    "Help yourself now",
		Choices:         "Choices",
		ChatWithUs:      "Chat with us",
		AgentAvailable:  "An agent is available now.",
		StartChat:       "Start a chat",
		CallUs:          "Call us",
		GetCode:         "Calling? Get a code that takes you past the menu",
		DialBefore:      "At the menu, dial ",
		DialAfter:       " to go straight to the right team.",
		CodeOnce:        "The code works for one call, within 30 minutes.",
		NoCode:          "No code can be given right now: call us all the same, the menu will guide you.",
		YourPhone:       "Your phone number",
		WhenSuits:       "When suits you",
		RequestCallback: "Request a callback",
		YourEmail:       "Your email",
		YourMessage:     "Your message",
		Send:            "Send",
		CallbackError:   "Please give a phone number and pick a time window.",
		CallbackDone:    "We will call you back between %s.",
		EmailError:      "Please give your email address and a message.",
		EmailDone:       "We have your message and will answer by email.",
		Expired:         "this form has expired: reload the page",
		TooMany:         "too many requests, try again in a minute",
		Unavailable:     "temporarily unavailable, please try again",
	},
	"fr": {
		Lang:            "fr",
		ContactUs:       "Nous contacter",
		SelfService:     "Aide en libre-service",
		ThankYou:        "Merci",
		HowToReach:      "Comment souhaitez-vous nous joindre\u00a0?",
		CallbackTitle:   "Nous vous rappelons",
		EmailTitle:      "Écrivez-nous",
		HelpYourself:    "Trouvez la réponse tout de suite",
		Choices:         "Choix",
		ChatWithUs:      "Discutez avec nous",
		AgentAvailable:  "Un conseiller est disponible maintenant.",
		StartChat:       "Démarrer une discussion",
		CallUs:          "Appelez-nous",
		GetCode:         "Vous appelez\u00a0? Obtenez un code pour passer le menu",
		DialBefore:      "Au menu, composez ",
		DialAfter:       " pour joindre directement la bonne équipe.",
		CodeOnce:        "Le code vaut pour un seul appel, dans les 30\u00a0minutes.",
		NoCode:          "Aucun code ne peut être donné pour le moment\u00a0: appelez-nous tout de même, le menu vous guidera.",
		YourPhone:       "Votre numéro de téléphone",
		WhenSuits:       "Le créneau qui vous convient",
		RequestCallback: "Demander à être rappelé",
		YourEmail:       "Votre adresse e-mail",
		YourMessage:     "Votre message",
		Send:            "Envoyer",
		CallbackError:   "Indiquez un numéro de téléphone et choisissez un créneau.",
		CallbackDone:    "Nous vous rappellerons entre %s.",
		EmailError:      "Indiquez votre adresse e-mail et un message.",
		EmailDone:       "Nous avons bien reçu votre message et vous répondrons par e-mail.",
		Expired:         "ce formulaire a expiré : rechargez la page",
		TooMany:         "trop de demandes, réessayez dans une minute",
		Unavailable:     "service momentanément indisponible, veuillez réessayer",
	},
}

// language returns the texts of a flow's page: the flow's language, else
// the settings language (Config.Language), in English when the catalogue
// lacks that language (one with uploaded prompts only).
func (h *Handler) language(ctx context.Context, flowLang string) *texts {
	lang := flowLang
	if lang == "" && h.cfg.Language != nil {
		lang = h.cfg.Language(ctx)
	}
	if t, ok := catalogue[lang]; ok {
		return t
	}
	return catalogue["en"]
}
