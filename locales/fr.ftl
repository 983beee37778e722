# flexybot — French.
# Every message is HTML (parse_mode HTML). String variables are escaped by the bot; numbers are only
# used to pick plural forms ($n), what is shown is a pre-formatted string ($nText, $amount, ...).

## General

start =
    Bienvenue sur flexybot !
    Ce bot suit les commandes de recharge (crédit mobile et internet) de votre compte OneClickDz.
    Envoyez /status suivi de la référence ou de l'identifiant de la commande : le bot affiche son statut dans un message qui se met à jour tout seul jusqu'au résultat.
    Si la commande reste en suspens (en vérification ou programmée), le bot continue de la vérifier pendant des heures et vous envoie un nouveau message dès que le résultat est connu.
    Exemple :
    <code>/status order-123</code>
    Changer la langue du bot : /language
    Toutes les commandes : /help

help =
    <b>Commandes</b>
    Suivre une commande : /status puis sa référence ou son identifiant, par exemple :
    <code>/status order-123</code>
    Voir les commandes en attente de résultat : /pending
    Arrêter les notifications d'une commande : /unwatch puis sa référence
    Changer de langue : /language
    Afficher cette aide : /help
    En conversation privée avec le bot, la référence ou l'identifiant seul suffit.

status-usage =
    Ajoutez la référence ou l'identifiant de la commande après /status, par exemple :
    <code>/status order-123</code>

invalid-ref-too-long = Cette référence est trop longue : { $maxLength } caractères au maximum.

invalid-ref-chars =
    La référence contient des caractères non autorisés.
    Autorisés : lettres, chiffres et <code>- _ . + : @</code>

invalid-ref-empty = La référence est vide. Envoyez la référence ou l'identifiant de la commande.

status-not-a-ref =
    Ce message ne ressemble pas à une référence de commande.
    Pour suivre une commande, envoyez /status suivi de sa référence ou de son identifiant (un seul mot, sans espace), par exemple :
    <code>/status order-123</code>
status-key-not-a-ref = Cela ressemble à une clé API OneClickDz, pas à une référence de commande. Pour lier une clé, envoyez /link suivi de la clé dans une conversation privée.

status-no-order-in-message =
    Le message visé ne montre aucune commande suivie par le bot dans votre compte.
    Envoyez /status suivi de la référence ou de l'identifiant de la commande, par exemple :
    <code>/status order-123</code>

status-looking-up =
    Recherche de la commande chez OneClickDz…
    <code>{ $query }</code>
status-replaced =
    🔁 Un message plus récent, ci-dessous, affiche désormais le statut de cette commande et le tient à jour.
    <code>{ $query }</code>

status-not-found =
    OneClickDz ne connaît pas (encore) cette référence ou cet identifiant sur votre compte :
    <code>{ $query }</code>
    Une commande envoyée il y a un instant peut mettre un peu de temps à apparaître. Vérifiez la référence, puis relancez la recherche dans une minute avec :
    <code>/status { $query }</code>

status-provider-down =
    Impossible de joindre OneClickDz pour vérifier :
    <code>{ $query }</code>
    Réessayez dans quelques minutes.

status-provider-auth =
    OneClickDz a refusé la clé API de ce compte : impossible de vérifier les commandes pour l'instant.
    La clé doit être corrigée : le propriétaire du compte en lie une nouvelle avec /link (pour le compte propre du bot, c'est l'administrateur du bot qui la corrige). Le bot la revérifie automatiquement, puis reprend le suivi.
status-key-unlinked =
    Le propriétaire de ce compte a délié sa clé OneClickDz : impossible de vérifier cette commande pour l'instant :
    <code>{ $query }</code>
    Rien n'a été envoyé ni refusé. Quand le propriétaire aura lié une clé à nouveau avec /link, réessayez avec /status.

status-no-account = Aucun compte OneClickDz n'est configuré pour ce bot. Prévenez l'administrateur du bot.

access-denied =
    Désolé, ce bot est réservé à certains utilisateurs.
    Pour y avoir accès, transmettez votre identifiant à l'administrateur du bot :
    <code>{ $userId }</code>

access-denied-short = Désolé, ce bot est réservé à certains utilisateurs.

## Accounts: linking a OneClickDz key (/start, /link, /unlink)

onboarding-welcome =
    Bienvenue sur flexybot ! Il suit les commandes de recharge de votre compte OneClickDz.
    Choisissez d'abord votre langue :

link-prompt =
    🔑 Envoyez-moi maintenant votre clé API OneClickDz, comme prochain message, ou sous la forme <code>/link votre-clé</code>.
    Elle se trouve sur enterprise.oneclickdz.com → Settings → API Configuration.
    Je supprime aussitôt le message qui contient la clé et je la conserve chiffrée.

link-needed =
    Liez d'abord votre compte OneClickDz : envoyez /link, puis votre clé API.

link-not-allowed =
    La liaison d'un compte OneClickDz n'est pas ouverte sur ce bot. J'ai supprimé toute clé envoyée.
    Pour obtenir l'accès, donnez cet identifiant à l'administrateur du bot :
    <code>{ $userId }</code>

link-no-vault =
    Ce bot ne peut pas conserver de clés OneClickDz : son administrateur n'a pas défini ENCRYPTION_KEY.
    Rien n'a été enregistré. L'administrateur doit la définir avant que quiconque puisse lier un compte.

link-bad-shape =
    Ce n'est pas une clé API OneClickDz. Une clé ressemble à <code>xxxxxxxx-xxxx-xxxx-xxxx-xxxxxxxxxxxx</code> ; copiez-la depuis enterprise.oneclickdz.com → Settings → API Configuration.


key-deleted-group =
    🔒 J'ai supprimé un message qui ressemblait à une clé API OneClickDz. Ne partagez jamais une clé API dans un groupe.
    Pour lier un compte, envoyez /link dans une conversation privée avec le bot.

key-deleted-offer =
    🔒 J'ai supprimé votre message : il ressemblait à une clé API OneClickDz.
    Pour lier cette clé, envoyez /link suivi de la clé, seule dans un message.

link-checking = 🔑 Vérification de la clé auprès de OneClickDz…

link-done =
    ✅ Compte lié.
    Nom d'utilisateur : <code>{ $username }</code>
    Environnement : { $environment }
    Portée : { $scope }
    Suivez une commande avec /status et sa référence ; voir /account et /balance.

link-done-again =
    ✅ Clé liée à nouveau : les commandes de votre compte sont toujours là.
    Nom d'utilisateur : <code>{ $username }</code>
    Environnement : { $environment }
    Portée : { $scope }

link-read-only = Cette clé est READ-ONLY : vous pouvez suivre les commandes, mais renvoyer une recharge demande une clé READ-WRITE.

link-invalid =
    ❌ OneClickDz n'accepte pas cette clé (erronée, expirée ou révoquée). Rien n'a été enregistré.
    Recopiez la clé entière depuis votre tableau de bord et envoyez /link.

link-disabled =
    ⛔ Cette clé est désactivée dans votre tableau de bord OneClickDz. Rien n'a été enregistré.
    Activez-la (Settings → API Configuration), puis envoyez /link à nouveau.

link-ip-not-allowed =
    ⛔ OneClickDz refuse cette clé depuis le serveur du bot : la liste d'IP autorisées de la clé ne le contient pas. Rien n'a été enregistré.
    Ajoutez l'IP du serveur aux IP autorisées de la clé (ou videz la liste), puis envoyez /link à nouveau.

link-busy =
    ⏳ Trop de vérifications de clés en ce moment : pour éviter que OneClickDz ne bloque le bot, aucune clé n'est vérifiée avant { $time }. Rien n'a été enregistré.
    Envoyez /link à nouveau après cette heure.

link-too-many =
    ⏳ Vous avez vérifié 3 clés au cours des 15 dernières minutes. Réessayez après { $time }.

link-unavailable = ⚠️ OneClickDz n'a pas répondu. Rien n'a été enregistré ; envoyez /link à nouveau dans quelques minutes.

link-taken = Ce compte OneClickDz est déjà lié par quelqu'un d'autre. Demandez une invitation à son propriétaire.

link-owns-other =
    Vous avez déjà un compte lié (<code>{ $username }</code>, { $environment }).
    Envoyez d'abord /unlink pour en lier un autre.

link-key-rejected =
    ⚠️ OneClickDz a refusé la clé de votre compte lié <code>{ $username }</code> ({ $environment }).
    Les appels avec cette clé sont suspendus. Vérifiez la clé dans votre tableau de bord ; si vous en avez créé une nouvelle, envoyez /link avec elle.

unlink-done =
    Votre clé OneClickDz a été retirée (<code>{ $username }</code>).
    Les commandes du compte sont conservées : liez à nouveau une clé du même compte pour les retrouver.

unlink-none = Vous n'avez aucun compte OneClickDz lié.
## Staff and groups

invite-created =
    Lien d'invitation à usage unique pour un membre de l'équipe (valable 24 heures, pour une personne) :
    <code>{ $link }</code>
    Envoyez-le uniquement à la personne à ajouter. L'équipe peut rechercher et suivre les commandes ; les renvois restent désactivés tant que vous ne les autorisez pas dans /staff.
button-invite-revoke = ✖️ Révoquer cette invitation
button-invite-revoke-n = ✖️ Révoquer l'invitation { $index }
invite-revoked = L'invitation a été révoquée : le lien ne fonctionne plus.
invite-not-revocable = Cette invitation ne peut plus être révoquée (déjà utilisée, expirée ou révoquée).
invite-failed-unknown = Ce lien d'invitation n'est pas valable. Demandez-en un nouveau au propriétaire du compte.
invite-failed-expired = Ce lien d'invitation a expiré (les liens sont valables 24 heures). Demandez-en un nouveau au propriétaire du compte.
invite-failed-used = Ce lien d'invitation a déjà été utilisé (chaque lien est pour une seule personne). Demandez-en un nouveau au propriétaire du compte.
invite-failed-revoked = Ce lien d'invitation a été révoqué par le propriétaire du compte.
invite-own-account = Vous êtes déjà propriétaire de ce compte : aucune invitation n'est nécessaire.
invite-joined =
    Bienvenue ! Vous avez rejoint l'équipe du compte.
    Envoyez /status avec la référence d'une commande pour la suivre. Renvoyer une recharge nécessite l'autorisation du propriétaire.
invite-already-staff = Vous faites déjà partie de l'équipe de ce compte.
invite-used =
    { $name } a rejoint votre compte comme membre de l'équipe avec votre lien d'invitation.
    Il peut consulter et suivre les commandes ; les renvois restent désactivés tant que vous ne les autorisez pas dans /staff (où vous pouvez aussi le retirer).
staff-owner-only = Seul le propriétaire du compte peut gérer l'équipe.
staff-none = Aucun membre dans l'équipe. Envoyez /invite pour créer un lien d'invitation.
staff-header = Équipe ({ $count }) :
staff-line = { $index }. { $name } — peut suivre les commandes
staff-line-resend = { $index }. { $name } — peut suivre les commandes et renvoyer des recharges
staff-invites-open = Invitations pas encore utilisées : { $count }
staff-hint = Un membre retiré ne reçoit plus aucune notification. /invite crée un nouveau lien.
button-staff-remove = 🗑 Retirer { $index }
button-staff-allow = ✅ Autoriser les renvois { $index }
button-staff-forbid = 🚫 Interdire les renvois { $index }
staff-removed = { $name } a été retiré de l'équipe.
staff-resend-allowed = { $name } peut désormais renvoyer des recharges.
staff-resend-forbidden = { $name } ne peut plus renvoyer de recharges.
staff-stale = Ce membre ne fait plus partie de votre équipe.
resend-not-allowed = Seuls le propriétaire du compte et les membres qu'il a autorisés peuvent renvoyer une recharge.
group-not-linked =
    Ce groupe n'est lié à aucun compte OneClickDz : le bot n'y affiche aucune commande.
    Le propriétaire du compte (administrateur du groupe) le lie en envoyant ici <code>/link@{ $bot }</code>.
group-not-linked-short = Ce groupe n'est lié à aucun compte.
group-link-owner-only = Seul le propriétaire d'un compte OneClickDz lié à ce bot peut lier un groupe.
group-link-admin-only = Seul un administrateur du groupe peut lier le groupe.
group-linked-other = Ce groupe est déjà lié à un autre compte. Son propriétaire doit d'abord le délier.
group-linked =
    Ce groupe est désormais le groupe de l'équipe du compte : ses membres peuvent suivre les commandes avec <code>/status@{ $bot } réf</code>. Seuls le propriétaire et les membres autorisés peuvent renvoyer des recharges.
    Le propriétaire y met fin avec <code>/unlink@{ $bot }</code>.
group-unlink-owner-only = Seul le propriétaire du compte du groupe peut le délier.
group-unlinked = Ce groupe n'est plus lié : le bot n'y affiche plus aucune commande. Le propriétaire peut le lier à nouveau avec <code>/link@{ $bot }</code>.
group-anonymous-link =
    Cette commande a été envoyée au nom du groupe (administrateur anonyme) ou d'une chaîne : le bot ne sait pas qui l'a envoyée.
    Le propriétaire du compte appuie sur le bouton ci-dessous pour lier le groupe ; il sert une fois, pendant 10 minutes.
group-anonymous-unlink =
    Cette commande a été envoyée au nom du groupe (administrateur anonyme) ou d'une chaîne : le bot ne sait pas qui l'a envoyée.
    Le propriétaire du compte du groupe appuie sur le bouton ci-dessous pour le délier ; il sert une fois, pendant 10 minutes.
group-claim-link-button = Je suis le propriétaire : lier ce groupe
group-claim-unlink-button = Je suis le propriétaire : délier ce groupe
group-claim-expired = Ce bouton a expiré ou a déjà servi. Renvoyez la commande.

## /balance and /account

balance-loading = Demande du solde à OneClickDz…
balance-shown =
    Solde : <b>{ $amount }</b>
    À { $time }.
balance-unavailable = OneClickDz n'a pas répondu. Réessayez /balance dans une minute.
balance-key-problem = OneClickDz refuse en ce moment la clé de ce compte : le solde ne peut pas être lu. Voir /account.
balance-key-unlinked = Le propriétaire de ce compte a délié sa clé OneClickDz : le solde ne peut pas être lu. Le propriétaire en lie une à nouveau avec /link.
account-private-only = Utilisez /balance et /account dans une conversation privée avec le bot.
account-role-owner = propriétaire
account-role-staff = membre de l'équipe
account-role-member = membre du groupe de l'équipe
account-env-name = le compte du bot
account-staff-none = Équipe : aucun membre (/invite crée un lien d'invitation).
account-staff = Équipe ({ $count }) : { $names } — gérez-la dans /staff.
account-groups-none = Groupes de l'équipe : aucun (ajoutez le bot à un groupe et envoyez-y /link).
account-groups = Groupes de l'équipe ({ $count }) : { $names }
account-resends-header = Derniers renvois (24 dernières heures) :
account-resend-line = { $name } : { $offer } — { $amount } à { $time }
account-resend-line-withdrawn = { $name } : { $offer } — { $amount } à { $time } (non envoyé : droit de renvoi retiré)
account-choose = Vous faites partie de plusieurs comptes. Cette conversation agit pour :
button-account-current = ✅ { $name }
button-account-act = { $name }
account-acting-now = Cette conversation agit désormais pour { $name }.
staff-stale-account = Vous ne faites plus partie de ce compte.
account-env =
    Compte : le compte OneClickDz du bot (défini par son administrateur).
    Votre rôle : { $role }
account-linked =
    Compte : <code>{ $username }</code>
    Environnement : { $environment }
    Portée : { $scope }
    Votre rôle : { $role }

## Command menu (setMyCommands)

command-status = Suivre une commande par sa référence ou son identifiant
command-language = Changer la langue du bot
command-pending = Commandes en attente de résultat
command-unwatch = Arrêter les notifications d'une commande
command-help = Mode d'emploi
command-link = Lier votre compte OneClickDz (clé API)
command-unlink = Retirer votre clé OneClickDz liée
command-balance = Le solde de votre compte OneClickDz
command-account = Le compte OneClickDz utilisé ici
command-invite = Inviter un membre de l'équipe (lien à usage unique)
command-staff = Votre équipe : retirer, autoriser ou interdire les renvois
command-link-group = Lier ce groupe à votre compte (propriétaire, administrateur)
command-unlink-group = Délier ce groupe de son compte (propriétaire)

language-choose = Choisissez la langue du bot dans cette conversation :
language-set = Le bot parle désormais français dans cette conversation.
language-name-ar = العربية
language-name-fr = Français
language-name-en = English

error-generic = Une erreur s'est produite et rien n'a été modifié. Réessayez.

## Durations (fragments placed inside a sentence, e.g. order-line-elapsed)

duration-seconds =
    { $n ->
        [0] moins d'une seconde
        [one] { $nText } seconde
       *[other] { $nText } secondes
    }
duration-minutes =
    { $n ->
        [0] moins d'une minute
        [one] { $nText } minute
       *[other] { $nText } minutes
    }
duration-hours =
    { $n ->
        [0] moins d'une heure
        [one] { $nText } heure
       *[other] { $nText } heures
    }
duration-days =
    { $n ->
        [0] moins d'un jour
        [one] { $nText } jour
       *[other] { $nText } jours
    }
duration-pair = { $first } et { $second }

## Order status: headlines

order-headline-mobile-pending = ⏳ <b>Recharge mobile : en attente de traitement</b>
order-headline-mobile-processing = ⏳ <b>Recharge mobile : en cours de traitement</b>
order-headline-mobile-fulfilled = ✅ <b>Recharge mobile : effectuée</b>
order-headline-mobile-refunded = ❌ <b>Recharge mobile : échouée, montant remboursé sur votre solde</b>
order-headline-mobile-verifying = ⚠️ <b>Recharge mobile : en vérification chez OneClickDz</b>
order-headline-mobile-queued = ⏰ <b>Recharge mobile : programmée pour plus tard</b>
order-headline-mobile-unknown = ❔ <b>Recharge mobile : statut inconnu</b>
order-headline-internet-pending = ⏳ <b>Recharge internet : en attente de traitement</b>
order-headline-internet-processing = ⏳ <b>Recharge internet : en cours de traitement</b>
order-headline-internet-fulfilled = ✅ <b>Recharge internet : effectuée</b>
order-headline-internet-refunded = ❌ <b>Recharge internet : échouée, montant remboursé sur votre solde</b>
order-headline-internet-verifying = ⚠️ <b>Recharge internet : en vérification chez OneClickDz</b>
order-headline-internet-queued = ⏰ <b>Recharge internet : programmée pour plus tard</b>
order-headline-internet-unknown = ❔ <b>Recharge internet : statut inconnu</b>

## Order status: what the state means for the reseller

order-refunded-note = La recharge n'est pas passée et OneClickDz a remboursé le montant sur votre solde. Vous pouvez maintenant rembourser votre client.
order-verifying-note =
    OneClickDz vérifie cette opération, en général en 1 à 24 h.
    <b>Ne remboursez PAS votre client et ne renvoyez PAS la recharge pour l'instant</b> : elle est peut-être passée. Le bot vous enverra un nouveau message dès que le résultat sera connu.
order-verifying-note-quiet =
    OneClickDz vérifie cette opération, en général en 1 à 24 h.
    <b>Ne remboursez PAS votre client et ne renvoyez PAS la recharge pour l'instant</b> : elle est peut-être passée.
order-queued-note =
    Cette commande est programmée : OneClickDz la traitera dans les 12 à 48 h.
    C'est normal, la commande n'est pas annulée. Le bot vous enverra un nouveau message dès qu'elle sera traitée.
order-queued-note-quiet =
    Cette commande est programmée : OneClickDz la traitera dans les 12 à 48 h.
    C'est normal, la commande n'est pas annulée.
order-unknown-status = OneClickDz a renvoyé un statut que le bot ne connaît pas : <code>{ $status }</code>
order-label-provider-message = Message de OneClickDz :
order-label-suggested-offers = Offres proposées par OneClickDz pour ce numéro :
order-line-offer = Offre proposée : { $name } — <code>{ $plan }</code> — { $amount }

## Order status: fields

order-label-ref = Référence :
order-label-id = Identifiant OneClickDz :
order-label-follow-order = Commande liée (suite), suivie elle aussi par le bot :
order-label-retry-order = Commande liée (nouvelle tentative), suivie elle aussi par le bot :
order-line-number = Numéro : <code>{ $number }</code>
order-line-plan = Offre : { $plan }
order-line-type = Type : { $type }
order-line-amount = Montant : { $amount }
order-line-balance-amount = Débité de votre solde : { $amount }
order-label-card-code = Code de la carte (à copier et transmettre à votre client) :
order-line-num-trans = N° de transaction : <code>{ $numTrans }</code>
order-line-processed-at = Traitée le : { $date }

## Order status: tracking

order-line-elapsed = Créée il y a { $duration }
order-still-processing = La commande est toujours en cours de traitement. Le bot continue de la vérifier et vous enverra un message dès que le résultat sera connu.
order-still-processing-quiet = La commande est toujours en cours de traitement. Le bot continue de la vérifier.
order-muted = 🔕 Notifications coupées pour cette commande dans cette conversation : aucun nouveau message quand son résultat sera connu, mais ce message continue d'être mis à jour.
order-tracking-stopped = Le bot a arrêté de suivre cette commande automatiquement. Renvoyez /status avec la référence pour la vérifier à nouveau.
order-expired-customer = À dire à votre client : la commande est toujours en vérification chez OneClickDz. Ne remboursez pas et ne renvoyez pas la recharge tant que OneClickDz n'a pas confirmé le résultat.
order-expired-support = Demandez au support OneClickDz de trancher sur cette commande, en indiquant la référence et l'identifiant ci-dessus et sa date de création : { $created }

## Long tail: buttons, /pending, /unwatch

button-mute = 🔕 Arrêter les notifications
mute-done = Vous ne recevrez plus de notifications pour cette commande dans cette conversation.
mute-already = Les notifications de cette commande étaient déjà coupées dans cette conversation.
mute-settled = Le résultat de cette commande est déjà connu : il n'y a plus de notification à couper.
mute-stale = Ce bouton n'est plus valable.
unwatch-usage =
    Ajoutez la référence ou l'identifiant de la commande après /unwatch, par exemple :
    <code>/unwatch order-123</code>
unwatch-done =
    Notifications arrêtées pour cette commande dans cette conversation :
    <code>{ $query }</code>
unwatch-already =
    Les notifications de cette commande étaient déjà coupées dans cette conversation :
    <code>{ $query }</code>
unwatch-settled =
    Le résultat de cette commande est déjà connu : il n'y a plus de notification à couper.
    <code>{ $query }</code>
unwatch-not-found =
    Cette conversation ne suit aucune commande avec cette référence :
    <code>{ $query }</code>
pending-empty = Aucune commande en cours de suivi dans cette conversation.
pending-header = Commandes en attente de résultat ({ $count }) :
pending-searching = Recherche de la commande en cours
pending-age = Créée il y a { $age }
pending-next-check = Prochaine vérification : { $time }
pending-muted = 🔕 Notifications coupées dans cette conversation (le message de statut reste à jour)

order-line-last-checked = Dernière vérification : { $time }
order-provider-parked = Suivi en pause : OneClickDz refuse ce compte (clé refusée ou accès bloqué), ou son propriétaire a délié sa clé ; ce statut n'est peut-être plus à jour. Une fois qu'une clé valide est liée avec /link par le propriétaire (ou corrigée par l'administrateur du bot, pour le compte propre du bot), le suivi reprend de lui-même.
order-provider-trouble = Impossible de joindre OneClickDz lors de la dernière vérification : ce statut n'est peut-être plus à jour. Le bot réessaiera automatiquement.

## Suggested offers: buttons, confirmation, re-send

button-offer = { $name } — { $amount }
button-offer-prev = ◀️ Précédent
button-offer-next = Suivant ▶️
button-confirm = ✅ Confirmer l'envoi
button-cancel = ✖️ Annuler
button-other-amount = ✏️ Autre montant
offer-confirm =
    <b>Confirmer l'envoi de l'offre suggérée</b>
    Numéro : <code>{ $number }</code>
    Offre : { $name }
    Code de l'offre : <code>{ $plan }</code>
    Montant : { $amount }
    Votre solde actuel : { $balance }
    Appuyez sur « Confirmer l'envoi » pour envoyer cette recharge une seule fois.
offer-loading = chargement…
offer-balance-unknown = indisponible pour le moment
offer-read-only = La clé API de ce compte est en lecture seule (READ-ONLY) : le bot ne peut envoyer aucune recharge. Demandez à l'administrateur une clé READ-WRITE.
offer-expired = Cette offre a expiré ou n'est plus valable. Renvoyez /status pour voir les offres actuelles.
offer-foreign = Cette offre n'appartient pas à votre compte.
offer-sending = Envoi de la recharge…
offer-cancelled = Confirmation annulée : aucune recharge n'a été envoyée depuis celle-ci.
offer-cannot-cancel = L'envoi de cette offre est déjà en cours : il ne peut plus être annulé. Le résultat s'affichera dans ce message.
offer-cannot-cancel-sent = Cette offre a déjà été envoyée : elle ne peut plus être annulée. Suivez son état dans son message.
offer-answer-sent = Cette offre a déjà été envoyée : elle ne sera pas envoyée une seconde fois.
offer-answer-sending = Cette offre est déjà en cours d'envoi : son message affichera le résultat.
offer-answer-was-cancelled = Cette confirmation a été annulée et rien n'a été envoyé depuis celle-ci. Appuyez de nouveau sur l'offre pour l'envoyer.
offer-answer-was-refused = OneClickDz a refusé cet envoi (le message en donne la raison). Appuyez de nouveau sur l'offre pour réessayer.
offer-answer-was-withdrawn = Cette confirmation n'a pas été envoyée : le droit de renvoi de la personne qui l'a confirmée a été retiré. Une personne autorisée à renvoyer peut appuyer de nouveau sur l'offre.
offer-sent-here =
    Cette offre a déjà été envoyée et ne le sera pas une seconde fois. Un autre message de cette discussion affiche son état en direct ; /status avec cette référence l'affiche aussi :
    <code>{ $ref }</code>
offer-sending-here =
    Cette offre est déjà en cours d'envoi depuis un autre message de cette discussion, qui affichera le résultat.
    <code>{ $ref }</code>
offer-sent-reply = Cette offre a déjà été envoyée et ne le sera pas une seconde fois. Le message auquel celui-ci répond affiche son état en direct.
offer-sending-reply = Cette offre est déjà en cours d'envoi : le message auquel celui-ci répond affichera le résultat.
offer-sent-loading =
    Cette offre a déjà été envoyée et ne le sera pas une seconde fois. Ce message affichera son état en direct dans un instant.
    <code>{ $ref }</code>
offer-insufficient-balance =
    OneClickDz a refusé la recharge car votre solde est insuffisant : aucune commande n'a été créée.
    Requis : { $required }
    Disponible : { $available }
offer-invalid = OneClickDz a refusé la commande car un champ n'est pas valable : <code>{ $field }</code>. Aucune commande n'a été créée.
offer-key-rejected = OneClickDz a refusé la clé API de ce compte et n'a donc reçu aucune commande. Prévenez le propriétaire du compte (ou l'administrateur du bot, pour le compte propre du bot).
offer-key-unlinked =
    Rien n'a été envoyé : le propriétaire de ce compte a délié sa clé OneClickDz. Quand il en aura lié une à nouveau avec /link, envoyez /status avec cette référence pour une nouvelle offre :
    <code>{ $ref }</code>
offer-withdrawn = Non envoyé : votre droit de renvoi a été retiré avant l'envoi. Aucune recharge n'a été envoyée depuis cette confirmation, et elle ne le sera pas plus tard.
offer-withdrawn-other = Non envoyé : la personne qui a confirmé n'a plus le droit de renvoyer sur ce compte. Aucune recharge n'a été envoyée depuis cette confirmation, et elle ne le sera pas plus tard.
offer-key-wait =
    Rien n'a été envoyé. Pour éviter que OneClickDz ne bloque le bot, la clé de ce compte doit être vérifiée avant d'être utilisée (une clé OneClickDz a été refusée ces dernières minutes, ou cette clé n'est pas encore vérifiée), et cette vérification ne peut pas avoir lieu avant { $time }. À partir de là, « Confirmer l'envoi » ci-dessous l'envoie (une seule fois, avec cette référence) :
    <code>{ $ref }</code>
offer-forbidden =
    OneClickDz a refusé l'envoi avec le code <code>{ $code }</code>. Vérifiez avec /status et cette référence avant de renvoyer la recharge :
    <code>{ $ref }</code>
offer-uncertain =
    <b>Pas encore confirmée.</b> OneClickDz n'a pas répondu clairement à l'envoi, et la commande peut encore apparaître.
    Ne renvoyez pas cette recharge par un autre moyen. Le bot continue de vérifier par sa référence, au moins jusqu'à { $time }, et mettra ce message à jour.
    <code>{ $ref }</code>
offer-not-created =
    Après { $duration } de vérifications, OneClickDz ne connaît toujours pas cette référence : la commande n'a pas été créée.
    Vous pouvez appuyer sur « Confirmer l'envoi » pour la renvoyer sans risque : la même référence empêche un double débit.
    <code>{ $ref }</code>
amount-ask =
    Répondez à ce message avec le montant voulu pour l'offre { $name }, entre { $min } et { $max }.
    Pour annuler, envoyez /cancel
amount-ask-asker = Cette question s'adresse à { $user } : seule sa réponse est prise en compte.
amount-placeholder = Montant en DA, entre { $min } et { $max }
amount-not-number = Votre réponse ne contient pas de montant. Écrivez-le en chiffres, entre { $min } et { $max }.
amount-not-whole = Le montant se donne en dinars entiers. Envoyez un nombre entier entre { $min } et { $max }.
amount-too-low = Ce montant est inférieur au minimum de cette offre, { $min }.
amount-too-high = Ce montant dépasse le maximum de cette offre, { $max }.
amount-try-again = Répondez à ce message avec un autre montant, ou envoyez /cancel pour annuler.
amount-fixed = Le montant de cette offre est fixe et ne peut pas être changé.
amount-gave-up = Question du montant fermée après trois réponses invalides ; rien n'a été envoyé. Appuyez de nouveau sur « Autre montant » pour réessayer.
amount-cancelled = Question du montant annulée ; rien n'a été envoyé.
amount-cancelled-by-command = Question du montant annulée, car vous avez envoyé une autre commande ; rien n'a été envoyé. Appuyez de nouveau sur « Autre montant » quand vous voulez.
cancel-nothing = Aucune question en cours à annuler.
amount-plans-loading = La liste des offres est en cours de chargement depuis OneClickDz. Appuyez à nouveau sur « Autre montant » dans un instant.
