#!/bin/sh
# Generates the default prompts once, as raw 8 kHz G.711 µ-law (.ul): the
# files are committed and embedded, so neither espeak-ng nor sox is needed
# at run time. Run from anywhere: media/prompts/generate.sh
set -eu
cd "$(dirname "$0")"
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT

# say LANG NAME TEXT: speak TEXT, trim the silence around it, normalise it.
say() {
	mkdir -p "$1"
	espeak-ng -v "$1" -s 150 -w "$tmp/s.wav" "$3"
	sox "$tmp/s.wav" -r 8000 -c 1 -e u-law -t raw "$1/$2.ul" \
		silence 1 0.02 0.5% reverse silence 1 0.02 0.5% reverse norm -6
}

say en welcome "Welcome, and thank you for calling."
say en closed "We are closed at the moment. Please call again during our opening hours."
say en invalid "Sorry, that is not a valid choice."
say en goodbye "Goodbye."
say en callback "Thank you. We will call you back as soon as an agent is available."
say en you-are-number "You are number"
say en in-queue "in the queue."
say en expected-wait "Your expected wait is about"
say en minute "minute."
say en minutes "minutes."
say en press-for-callback "To be called back without losing your place, press"
say en logged-in "You are logged in."
say en logged-out "You are logged out."
say en paused "You are on pause."
i=0
for w in zero one two three four five six seven eight nine ten eleven twelve thirteen \
	fourteen fifteen sixteen seventeen eighteen nineteen; do
	say en "$i" "$w"
	i=$((i + 1))
done
for t in 20:twenty 30:thirty 40:forty 50:fifty 60:sixty 70:seventy 80:eighty 90:ninety; do
	say en "${t%%:*}" "${t#*:}"
done

say fr welcome "Bienvenue, et merci de votre appel."
say fr closed "Nous sommes actuellement fermés. Merci de rappeler pendant nos heures d'ouverture."
say fr invalid "Désolé, ce choix n'est pas valide."
say fr goodbye "Au revoir."
say fr callback "Merci. Nous vous rappellerons dès qu'un conseiller sera disponible."
say fr you-are-number "Vous êtes le numéro"
say fr in-queue "dans la file d'attente."
say fr expected-wait "Votre temps d'attente est d'environ"
say fr minute "minute."
say fr minutes "minutes."
say fr press-for-callback "Pour être rappelé sans perdre votre place, tapez le"
say fr logged-in "Vous êtes connecté."
say fr logged-out "Vous êtes déconnecté."
say fr paused "Vous êtes en pause."
say fr et "et"
say fr une "une"
i=0
for w in zéro un deux trois quatre cinq six sept huit neuf dix onze douze treize \
	quatorze quinze seize; do
	say fr "$i" "$w"
	i=$((i + 1))
done
for t in 20:vingt 30:trente 40:quarante 50:cinquante 60:soixante 80:quatre-vingt; do
	say fr "${t%%:*}" "${t#*:}"
done

# Music on hold: a soft four-chord loop of plucked strings, 12 s.
sox -n -r 8000 -c 1 -e u-law -t raw music.ul \
	synth 3 pluck C4 pluck E4 pluck G4 : synth 3 pluck A3 pluck C4 pluck E4 : \
	synth 3 pluck F3 pluck A3 pluck C4 : synth 3 pluck G3 pluck B3 pluck D4 \
	remix - trim 0 12 fade 0.05 -0 0.5 norm -12
