//! Every word of the acceptance page and of the agreement it shows, in one table per language:
//! the six languages the dashboard's Add customer offers are complete (a test holds them so) and
//! any other language reads English. `{name}` marks where a value goes.

use maud::{html, Markup, PreEscaped};

use crate::http::web::kit::dates::Lang;
use crate::http::web::kit::layout::{Brand, ShellWords};

/// A string of the page.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Key {
    BrandName,
    BrandTitle,
    SkipLink,
    Badge,
    Footer,
    PageTitle,
    Heading,
    Intro,
    Company,
    Signer,
    Partner,
    AcceptBy,
    AgreementHeading,
    AcceptLabel,
    AcceptButton,
    AcceptedNow,
    AcceptedBefore,
    Expired,
    NotTicked,
    FormExpired,
    LinkNotValid,
    NotFound,
    MissingId,
    MalformedId,
    OtherCountryTitle,
    OtherCountry,
    BadOriginTitle,
    BadOrigin,
    UnknownParameter,
    RepeatedParameter,
    FailureTitle,
    Failure,
    DocumentLine,
    StandIn,
    PartiesHeading,
    Parties,
    AcceptanceHeading,
    Acceptance,
    PurchasesHeading,
    Purchases,
    /// The last variant (a test holds `Key::ALL` to every variant, in order).
    ValidUntil,
}

impl Key {
    pub const ALL: [Key; 41] = [
        Key::BrandName,
        Key::BrandTitle,
        Key::SkipLink,
        Key::Badge,
        Key::Footer,
        Key::PageTitle,
        Key::Heading,
        Key::Intro,
        Key::Company,
        Key::Signer,
        Key::Partner,
        Key::AcceptBy,
        Key::AgreementHeading,
        Key::AcceptLabel,
        Key::AcceptButton,
        Key::AcceptedNow,
        Key::AcceptedBefore,
        Key::Expired,
        Key::NotTicked,
        Key::FormExpired,
        Key::LinkNotValid,
        Key::NotFound,
        Key::MissingId,
        Key::MalformedId,
        Key::OtherCountryTitle,
        Key::OtherCountry,
        Key::BadOriginTitle,
        Key::BadOrigin,
        Key::UnknownParameter,
        Key::RepeatedParameter,
        Key::FailureTitle,
        Key::Failure,
        Key::DocumentLine,
        Key::StandIn,
        Key::PartiesHeading,
        Key::Parties,
        Key::AcceptanceHeading,
        Key::Acceptance,
        Key::PurchasesHeading,
        Key::Purchases,
        Key::ValidUntil,
    ];
}

type Table = &'static [(Key, &'static str)];

const EN: Table = &[
    (Key::BrandName, "Microsoft Customer Agreement"),
    (Key::BrandTitle, "Microsoft (emulated)"),
    (Key::SkipLink, "Skip to main content"),
    (Key::Badge, "Emulated"),
    (Key::Footer, "Partner Center emulator — not Microsoft: a local stand-in for tests that talks to no Microsoft service."),
    (Key::PageTitle, "Accept the Microsoft Customer Agreement"),
    (Key::Heading, "Microsoft Customer Agreement"),
    (Key::Intro, "{partner} asks you to accept the Microsoft Customer Agreement on behalf of {company}. Read it below, then tick the box and accept."),
    (Key::Company, "Company"),
    (Key::Signer, "Signer"),
    (Key::Partner, "Partner"),
    (Key::AcceptBy, "Accept by"),
    (Key::AgreementHeading, "The agreement"),
    (Key::AcceptLabel, "I have read the Microsoft Customer Agreement above and I accept it on behalf of {company}."),
    (Key::AcceptButton, "Accept"),
    (Key::AcceptedNow, "Accepted on {date} on behalf of {company}. {partner} can now go on with your purchase; you can close this page."),
    (Key::AcceptedBefore, "This agreement was already accepted on {date} on behalf of {company}. There is nothing more to do; you can close this page."),
    (Key::Expired, "This link expired on {date} before the agreement was accepted. Ask {partner} for a new link."),
    (Key::NotTicked, "Tick the box to accept the Microsoft Customer Agreement."),
    (Key::FormExpired, "This page expired. Reload it and accept again."),
    (Key::LinkNotValid, "This acceptance link is not valid"),
    (Key::NotFound, "No agreement awaits acceptance under this link. Check the link your partner sent you, or ask them for a new one."),
    (Key::MissingId, "This link does not say which agreement to accept. Open the whole link your partner sent you."),
    (Key::MalformedId, "This link's agreement number is not valid. Open the link your partner sent you, unchanged."),
    (Key::OtherCountryTitle, "This link names another country"),
    (Key::OtherCountry, "This agreement is for {country}, but the link names {asked}. Open the link your partner sent you, unchanged, or ask them for a new one."),
    (Key::BadOriginTitle, "This link names a site that is not valid"),
    (Key::BadOrigin, "The site this page should report to ({origin}) is not an origin such as https://shop.example. Ask your partner to correct the link."),
    (Key::UnknownParameter, "This link has a parameter the page does not read: {name}. The page reads attestationId, language, country and embedderOrigin. Ask your partner to correct the link."),
    (Key::RepeatedParameter, "This link gives the parameter {name} more than once. The page reads each of attestationId, language, country and embedderOrigin once. Ask your partner to correct the link."),
    (Key::FailureTitle, "Something went wrong"),
    (Key::Failure, "Something went wrong. Try again in a moment."),
    (Key::DocumentLine, "Template {template} · {country} ({code}) · language {language}"),
    (Key::StandIn, "This document is served by the Partner Center emulator in place of the agreement Microsoft publishes at {link}. It stands for the agreement a customer accepts, either directly in the Microsoft 365 admin center or through a partner's confirmation."),
    (Key::PartiesHeading, "1. Parties"),
    (Key::Parties, "This agreement is between the customer organization and the Microsoft entity for {country}."),
    (Key::AcceptanceHeading, "2. Acceptance"),
    (Key::Acceptance, "The customer accepts this agreement by confirming in the Microsoft 365 admin center, or a Cloud Solution Provider partner confirms that the customer accepted it."),
    (Key::PurchasesHeading, "3. Purchases"),
    (Key::Purchases, "Purchases through a partner require acceptance of this agreement to be on record."),
    (Key::ValidUntil, "Link valid until {date} (emulator clock)."),
];

const DE: Table = &[
    (Key::BrandName, "Microsoft-Kundenvertrag"),
    (Key::BrandTitle, "Microsoft (emuliert)"),
    (Key::SkipLink, "Zum Hauptinhalt springen"),
    (Key::Badge, "Emuliert"),
    (Key::Footer, "Partner Center-Emulator – nicht Microsoft: ein lokaler Ersatz für Tests, der mit keinem Microsoft-Dienst spricht."),
    (Key::PageTitle, "Microsoft-Kundenvertrag annehmen"),
    (Key::Heading, "Microsoft-Kundenvertrag"),
    (Key::Intro, "{partner} bittet Sie, den Microsoft-Kundenvertrag im Namen von {company} anzunehmen. Lesen Sie ihn unten, setzen Sie dann das Häkchen und nehmen Sie an."),
    (Key::Company, "Unternehmen"),
    (Key::Signer, "Unterzeichner"),
    (Key::Partner, "Partner"),
    (Key::AcceptBy, "Annehmen bis"),
    (Key::AgreementHeading, "Der Vertrag"),
    (Key::AcceptLabel, "Ich habe den obigen Microsoft-Kundenvertrag gelesen und nehme ihn im Namen von {company} an."),
    (Key::AcceptButton, "Annehmen"),
    (Key::AcceptedNow, "Angenommen am {date} im Namen von {company}. {partner} kann Ihren Kauf jetzt fortsetzen; Sie können diese Seite schließen."),
    (Key::AcceptedBefore, "Dieser Vertrag wurde bereits am {date} im Namen von {company} angenommen. Es ist nichts weiter zu tun; Sie können diese Seite schließen."),
    (Key::Expired, "Dieser Link ist am {date} abgelaufen, bevor der Vertrag angenommen wurde. Bitten Sie {partner} um einen neuen Link."),
    (Key::NotTicked, "Setzen Sie das Häkchen, um den Microsoft-Kundenvertrag anzunehmen."),
    (Key::FormExpired, "Diese Seite ist abgelaufen. Laden Sie sie neu und nehmen Sie erneut an."),
    (Key::LinkNotValid, "Dieser Annahmelink ist ungültig"),
    (Key::NotFound, "Unter diesem Link wartet kein Vertrag auf Annahme. Prüfen Sie den Link, den Ihr Partner Ihnen gesendet hat, oder bitten Sie ihn um einen neuen."),
    (Key::MissingId, "Dieser Link gibt nicht an, welcher Vertrag anzunehmen ist. Öffnen Sie den vollständigen Link, den Ihr Partner Ihnen gesendet hat."),
    (Key::MalformedId, "Die Vertragsnummer dieses Links ist ungültig. Öffnen Sie den Link, den Ihr Partner Ihnen gesendet hat, unverändert."),
    (Key::OtherCountryTitle, "Dieser Link nennt ein anderes Land"),
    (Key::OtherCountry, "Dieser Vertrag gilt für {country}, aber der Link nennt {asked}. Öffnen Sie den Link, den Ihr Partner Ihnen gesendet hat, unverändert, oder bitten Sie ihn um einen neuen."),
    (Key::BadOriginTitle, "Dieser Link nennt eine ungültige Website"),
    (Key::BadOrigin, "Die Website, der diese Seite berichten soll ({origin}), ist kein Ursprung wie https://shop.example. Bitten Sie Ihren Partner, den Link zu korrigieren."),
    (Key::UnknownParameter, "Dieser Link enthält einen Parameter, den die Seite nicht liest: {name}. Die Seite liest attestationId, language, country und embedderOrigin. Bitten Sie Ihren Partner, den Link zu korrigieren."),
    (Key::RepeatedParameter, "Dieser Link gibt den Parameter {name} mehr als einmal an. Die Seite liest attestationId, language, country und embedderOrigin jeweils einmal. Bitten Sie Ihren Partner, den Link zu korrigieren."),
    (Key::FailureTitle, "Etwas ist schiefgelaufen"),
    (Key::Failure, "Etwas ist schiefgelaufen. Versuchen Sie es gleich noch einmal."),
    (Key::DocumentLine, "Vorlage {template} · {country} ({code}) · Sprache {language}"),
    (Key::StandIn, "Dieses Dokument stellt der Partner Center-Emulator anstelle des Vertrags bereit, den Microsoft unter {link} veröffentlicht. Es steht für den Vertrag, den ein Kunde annimmt, entweder direkt im Microsoft 365 Admin Center oder durch die Bestätigung eines Partners."),
    (Key::PartiesHeading, "1. Vertragsparteien"),
    (Key::Parties, "Dieser Vertrag wird zwischen der Kundenorganisation und der Microsoft-Gesellschaft für {country} geschlossen."),
    (Key::AcceptanceHeading, "2. Annahme"),
    (Key::Acceptance, "Der Kunde nimmt diesen Vertrag durch Bestätigung im Microsoft 365 Admin Center an, oder ein Cloud Solution Provider-Partner bestätigt, dass der Kunde ihn angenommen hat."),
    (Key::PurchasesHeading, "3. Käufe"),
    (Key::Purchases, "Käufe über einen Partner setzen voraus, dass die Annahme dieses Vertrags erfasst ist."),
    (Key::ValidUntil, "Link gültig bis {date} (Emulator-Uhr)."),
];

const ES: Table = &[
    (Key::BrandName, "Contrato de cliente de Microsoft"),
    (Key::BrandTitle, "Microsoft (emulado)"),
    (Key::SkipLink, "Ir al contenido principal"),
    (Key::Badge, "Emulado"),
    (Key::Footer, "Emulador de Partner Center, no Microsoft: un sustituto local para pruebas que no se comunica con ningún servicio de Microsoft."),
    (Key::PageTitle, "Aceptar el Contrato de cliente de Microsoft"),
    (Key::Heading, "Contrato de cliente de Microsoft"),
    (Key::Intro, "{partner} le pide que acepte el Contrato de cliente de Microsoft en nombre de {company}. Léalo a continuación, marque la casilla y acéptelo."),
    (Key::Company, "Empresa"),
    (Key::Signer, "Firmante"),
    (Key::Partner, "Partner"),
    (Key::AcceptBy, "Aceptar antes del"),
    (Key::AgreementHeading, "El contrato"),
    (Key::AcceptLabel, "He leído el Contrato de cliente de Microsoft anterior y lo acepto en nombre de {company}."),
    (Key::AcceptButton, "Aceptar"),
    (Key::AcceptedNow, "Aceptado el {date} en nombre de {company}. {partner} ya puede continuar con su compra; puede cerrar esta página."),
    (Key::AcceptedBefore, "Este contrato ya se aceptó el {date} en nombre de {company}. No hay nada más que hacer; puede cerrar esta página."),
    (Key::Expired, "Este vínculo caducó el {date} antes de que se aceptara el contrato. Pida a {partner} un vínculo nuevo."),
    (Key::NotTicked, "Marque la casilla para aceptar el Contrato de cliente de Microsoft."),
    (Key::FormExpired, "Esta página ha caducado. Vuelva a cargarla y acepte de nuevo."),
    (Key::LinkNotValid, "Este vínculo de aceptación no es válido"),
    (Key::NotFound, "Ningún contrato espera aceptación con este vínculo. Compruebe el vínculo que le envió su partner o pídale uno nuevo."),
    (Key::MissingId, "Este vínculo no indica qué contrato aceptar. Abra el vínculo completo que le envió su partner."),
    (Key::MalformedId, "El número de contrato de este vínculo no es válido. Abra sin cambios el vínculo que le envió su partner."),
    (Key::OtherCountryTitle, "Este vínculo indica otro país"),
    (Key::OtherCountry, "Este contrato es para {country}, pero el vínculo indica {asked}. Abra sin cambios el vínculo que le envió su partner o pídale uno nuevo."),
    (Key::BadOriginTitle, "Este vínculo indica un sitio no válido"),
    (Key::BadOrigin, "El sitio al que esta página debe informar ({origin}) no es un origen como https://shop.example. Pida a su partner que corrija el vínculo."),
    (Key::UnknownParameter, "Este vínculo tiene un parámetro que la página no lee: {name}. La página lee attestationId, language, country y embedderOrigin. Pida a su partner que corrija el vínculo."),
    (Key::RepeatedParameter, "Este vínculo indica el parámetro {name} más de una vez. La página lee attestationId, language, country y embedderOrigin una sola vez cada uno. Pida a su partner que corrija el vínculo."),
    (Key::FailureTitle, "Algo salió mal"),
    (Key::Failure, "Algo salió mal. Vuelva a intentarlo en un momento."),
    (Key::DocumentLine, "Plantilla {template} · {country} ({code}) · idioma {language}"),
    (Key::StandIn, "El emulador de Partner Center sirve este documento en lugar del contrato que Microsoft publica en {link}. Representa el contrato que acepta un cliente, ya sea directamente en el Centro de administración de Microsoft 365 o mediante la confirmación de un partner."),
    (Key::PartiesHeading, "1. Partes"),
    (Key::Parties, "Este contrato se celebra entre la organización cliente y la entidad de Microsoft para {country}."),
    (Key::AcceptanceHeading, "2. Aceptación"),
    (Key::Acceptance, "El cliente acepta este contrato confirmándolo en el Centro de administración de Microsoft 365, o un partner del programa Proveedor de soluciones en la nube confirma que el cliente lo aceptó."),
    (Key::PurchasesHeading, "3. Compras"),
    (Key::Purchases, "Las compras a través de un partner requieren que conste la aceptación de este contrato."),
    (Key::ValidUntil, "Vínculo válido hasta el {date} (reloj del emulador)."),
];

const FR: Table = &[
    (Key::BrandName, "Contrat client Microsoft"),
    (Key::BrandTitle, "Microsoft (émulé)"),
    (Key::SkipLink, "Aller au contenu principal"),
    (Key::Badge, "Émulé"),
    (Key::Footer, "Émulateur de Partner Center, pas Microsoft : un substitut local pour les tests qui ne communique avec aucun service Microsoft."),
    (Key::PageTitle, "Accepter le Contrat client Microsoft"),
    (Key::Heading, "Contrat client Microsoft"),
    (Key::Intro, "{partner} vous demande d’accepter le Contrat client Microsoft au nom de {company}. Lisez-le ci-dessous, puis cochez la case et acceptez."),
    (Key::Company, "Société"),
    (Key::Signer, "Signataire"),
    (Key::Partner, "Partenaire"),
    (Key::AcceptBy, "À accepter avant le"),
    (Key::AgreementHeading, "Le contrat"),
    (Key::AcceptLabel, "J’ai lu le Contrat client Microsoft ci-dessus et je l’accepte au nom de {company}."),
    (Key::AcceptButton, "Accepter"),
    (Key::AcceptedNow, "Accepté le {date} au nom de {company}. {partner} peut maintenant poursuivre votre achat ; vous pouvez fermer cette page."),
    (Key::AcceptedBefore, "Ce contrat a déjà été accepté le {date} au nom de {company}. Il n’y a rien d’autre à faire ; vous pouvez fermer cette page."),
    (Key::Expired, "Ce lien a expiré le {date} avant que le contrat soit accepté. Demandez un nouveau lien à {partner}."),
    (Key::NotTicked, "Cochez la case pour accepter le Contrat client Microsoft."),
    (Key::FormExpired, "Cette page a expiré. Rechargez-la et acceptez de nouveau."),
    (Key::LinkNotValid, "Ce lien d’acceptation n’est pas valide"),
    (Key::NotFound, "Aucun contrat n’attend d’acceptation sous ce lien. Vérifiez le lien que votre partenaire vous a envoyé ou demandez-lui-en un nouveau."),
    (Key::MissingId, "Ce lien n’indique pas quel contrat accepter. Ouvrez le lien complet que votre partenaire vous a envoyé."),
    (Key::MalformedId, "Le numéro de contrat de ce lien n’est pas valide. Ouvrez tel quel le lien que votre partenaire vous a envoyé."),
    (Key::OtherCountryTitle, "Ce lien indique un autre pays"),
    (Key::OtherCountry, "Ce contrat concerne {country}, mais le lien indique {asked}. Ouvrez tel quel le lien que votre partenaire vous a envoyé ou demandez-lui-en un nouveau."),
    (Key::BadOriginTitle, "Ce lien indique un site non valide"),
    (Key::BadOrigin, "Le site auquel cette page doit rendre compte ({origin}) n’est pas une origine telle que https://shop.example. Demandez à votre partenaire de corriger le lien."),
    (Key::UnknownParameter, "Ce lien contient un paramètre que la page ne lit pas : {name}. La page lit attestationId, language, country et embedderOrigin. Demandez à votre partenaire de corriger le lien."),
    (Key::RepeatedParameter, "Ce lien indique le paramètre {name} plus d’une fois. La page lit attestationId, language, country et embedderOrigin une seule fois chacun. Demandez à votre partenaire de corriger le lien."),
    (Key::FailureTitle, "Un problème est survenu"),
    (Key::Failure, "Un problème est survenu. Réessayez dans un instant."),
    (Key::DocumentLine, "Modèle {template} · {country} ({code}) · langue {language}"),
    (Key::StandIn, "Ce document est fourni par l’émulateur de Partner Center à la place du contrat que Microsoft publie à l’adresse {link}. Il représente le contrat qu’un client accepte, soit directement dans le Centre d’administration Microsoft 365, soit par la confirmation d’un partenaire."),
    (Key::PartiesHeading, "1. Parties"),
    (Key::Parties, "Ce contrat est conclu entre l’organisation cliente et l’entité Microsoft pour {country}."),
    (Key::AcceptanceHeading, "2. Acceptation"),
    (Key::Acceptance, "Le client accepte ce contrat en le confirmant dans le Centre d’administration Microsoft 365, ou un partenaire fournisseur de solutions cloud confirme que le client l’a accepté."),
    (Key::PurchasesHeading, "3. Achats"),
    (Key::Purchases, "Les achats par l’intermédiaire d’un partenaire exigent que l’acceptation de ce contrat soit enregistrée."),
    (Key::ValidUntil, "Lien valide jusqu’au {date} (horloge de l’émulateur)."),
];

const IT: Table = &[
    (Key::BrandName, "Contratto cliente Microsoft"),
    (Key::BrandTitle, "Microsoft (emulato)"),
    (Key::SkipLink, "Vai al contenuto principale"),
    (Key::Badge, "Emulato"),
    (Key::Footer, "Emulatore di Partner Center, non Microsoft: un sostituto locale per i test che non comunica con alcun servizio Microsoft."),
    (Key::PageTitle, "Accetta il Contratto cliente Microsoft"),
    (Key::Heading, "Contratto cliente Microsoft"),
    (Key::Intro, "{partner} ti chiede di accettare il Contratto cliente Microsoft per conto di {company}. Leggilo qui sotto, poi seleziona la casella e accetta."),
    (Key::Company, "Società"),
    (Key::Signer, "Firmatario"),
    (Key::Partner, "Partner"),
    (Key::AcceptBy, "Da accettare entro il"),
    (Key::AgreementHeading, "Il contratto"),
    (Key::AcceptLabel, "Ho letto il Contratto cliente Microsoft qui sopra e lo accetto per conto di {company}."),
    (Key::AcceptButton, "Accetta"),
    (Key::AcceptedNow, "Accettato il {date} per conto di {company}. {partner} può ora proseguire con il tuo acquisto; puoi chiudere questa pagina."),
    (Key::AcceptedBefore, "Questo contratto è già stato accettato il {date} per conto di {company}. Non c’è altro da fare; puoi chiudere questa pagina."),
    (Key::Expired, "Questo collegamento è scaduto il {date} prima che il contratto fosse accettato. Chiedi a {partner} un nuovo collegamento."),
    (Key::NotTicked, "Seleziona la casella per accettare il Contratto cliente Microsoft."),
    (Key::FormExpired, "Questa pagina è scaduta. Ricaricala e accetta di nuovo."),
    (Key::LinkNotValid, "Questo collegamento di accettazione non è valido"),
    (Key::NotFound, "Nessun contratto attende l’accettazione con questo collegamento. Controlla il collegamento che ti ha inviato il tuo partner o chiedine uno nuovo."),
    (Key::MissingId, "Questo collegamento non indica quale contratto accettare. Apri il collegamento completo che ti ha inviato il tuo partner."),
    (Key::MalformedId, "Il numero di contratto di questo collegamento non è valido. Apri senza modifiche il collegamento che ti ha inviato il tuo partner."),
    (Key::OtherCountryTitle, "Questo collegamento indica un altro paese"),
    (Key::OtherCountry, "Questo contratto è per {country}, ma il collegamento indica {asked}. Apri senza modifiche il collegamento che ti ha inviato il tuo partner o chiedine uno nuovo."),
    (Key::BadOriginTitle, "Questo collegamento indica un sito non valido"),
    (Key::BadOrigin, "Il sito a cui questa pagina deve riferire ({origin}) non è un’origine come https://shop.example. Chiedi al tuo partner di correggere il collegamento."),
    (Key::UnknownParameter, "Questo collegamento contiene un parametro che la pagina non legge: {name}. La pagina legge attestationId, language, country ed embedderOrigin. Chiedi al tuo partner di correggere il collegamento."),
    (Key::RepeatedParameter, "Questo collegamento indica il parametro {name} più di una volta. La pagina legge attestationId, language, country ed embedderOrigin una sola volta ciascuno. Chiedi al tuo partner di correggere il collegamento."),
    (Key::FailureTitle, "Si è verificato un problema"),
    (Key::Failure, "Si è verificato un problema. Riprova tra un momento."),
    (Key::DocumentLine, "Modello {template} · {country} ({code}) · lingua {language}"),
    (Key::StandIn, "Questo documento è fornito dall’emulatore di Partner Center al posto del contratto che Microsoft pubblica all’indirizzo {link}. Rappresenta il contratto che un cliente accetta, direttamente nell’interfaccia di amministrazione di Microsoft 365 o tramite la conferma di un partner."),
    (Key::PartiesHeading, "1. Parti"),
    (Key::Parties, "Questo contratto è stipulato tra l’organizzazione cliente e l’entità Microsoft per {country}."),
    (Key::AcceptanceHeading, "2. Accettazione"),
    (Key::Acceptance, "Il cliente accetta questo contratto confermandolo nell’interfaccia di amministrazione di Microsoft 365, oppure un partner Cloud Solution Provider conferma che il cliente lo ha accettato."),
    (Key::PurchasesHeading, "3. Acquisti"),
    (Key::Purchases, "Gli acquisti tramite un partner richiedono che l’accettazione di questo contratto sia registrata."),
    (Key::ValidUntil, "Collegamento valido fino al {date} (orologio dell’emulatore)."),
];

const JA: Table = &[
    (Key::BrandName, "マイクロソフト顧客契約"),
    (Key::BrandTitle, "Microsoft (エミュレート)"),
    (Key::SkipLink, "メイン コンテンツにスキップ"),
    (Key::Badge, "エミュレート"),
    (Key::Footer, "パートナー センター エミュレーター (Microsoft ではありません): Microsoft のサービスと一切通信しない、テスト用のローカルな代替です。"),
    (Key::PageTitle, "マイクロソフト顧客契約に同意する"),
    (Key::Heading, "マイクロソフト顧客契約"),
    (Key::Intro, "{partner} から、{company} を代表してマイクロソフト顧客契約に同意するよう依頼されています。以下の契約をお読みになり、チェック ボックスをオンにして同意してください。"),
    (Key::Company, "会社"),
    (Key::Signer, "署名者"),
    (Key::Partner, "パートナー"),
    (Key::AcceptBy, "同意の期限"),
    (Key::AgreementHeading, "契約"),
    (Key::AcceptLabel, "上記のマイクロソフト顧客契約を読み、{company} を代表して同意します。"),
    (Key::AcceptButton, "同意する"),
    (Key::AcceptedNow, "{date} に {company} を代表して同意しました。{partner} が購入手続きを続行できます。このページは閉じてかまいません。"),
    (Key::AcceptedBefore, "この契約は {date} に {company} を代表して既に同意済みです。これ以上の操作は不要です。このページは閉じてかまいません。"),
    (Key::Expired, "このリンクは契約に同意される前の {date} に期限切れになりました。{partner} に新しいリンクを依頼してください。"),
    (Key::NotTicked, "マイクロソフト顧客契約に同意するには、チェック ボックスをオンにしてください。"),
    (Key::FormExpired, "このページの有効期限が切れました。ページを再読み込みして、もう一度同意してください。"),
    (Key::LinkNotValid, "この同意リンクは無効です"),
    (Key::NotFound, "このリンクで同意を待っている契約はありません。パートナーから送られたリンクを確認するか、新しいリンクを依頼してください。"),
    (Key::MissingId, "このリンクには同意する契約が示されていません。パートナーから送られたリンク全体を開いてください。"),
    (Key::MalformedId, "このリンクの契約番号は無効です。パートナーから送られたリンクをそのまま開いてください。"),
    (Key::OtherCountryTitle, "このリンクは別の国を示しています"),
    (Key::OtherCountry, "この契約は {country} 向けですが、リンクは {asked} を示しています。パートナーから送られたリンクをそのまま開くか、新しいリンクを依頼してください。"),
    (Key::BadOriginTitle, "このリンクは無効なサイトを示しています"),
    (Key::BadOrigin, "このページが通知するサイト ({origin}) は、https://shop.example のようなオリジンではありません。パートナーにリンクの修正を依頼してください。"),
    (Key::UnknownParameter, "このリンクには、このページが読み取らないパラメーターが含まれています: {name}。このページが読み取るのは attestationId、language、country、embedderOrigin です。パートナーにリンクの修正を依頼してください。"),
    (Key::RepeatedParameter, "このリンクでは、パラメーター {name} が複数回指定されています。このページは attestationId、language、country、embedderOrigin をそれぞれ 1 回だけ読み取ります。パートナーにリンクの修正を依頼してください。"),
    (Key::FailureTitle, "問題が発生しました"),
    (Key::Failure, "問題が発生しました。しばらくしてからもう一度お試しください。"),
    (Key::DocumentLine, "テンプレート {template} · {country} ({code}) · 言語 {language}"),
    (Key::StandIn, "この文書は、Microsoft が {link} で公開している契約の代わりに、パートナー センター エミュレーターが提供するものです。顧客が Microsoft 365 管理センターで直接、またはパートナーの確認を通じて同意する契約を表します。"),
    (Key::PartiesHeading, "1. 当事者"),
    (Key::Parties, "この契約は、顧客組織と {country} の Microsoft 法人との間で締結されます。"),
    (Key::AcceptanceHeading, "2. 同意"),
    (Key::Acceptance, "顧客は Microsoft 365 管理センターで確認することによりこの契約に同意します。または、クラウド ソリューション プロバイダー パートナーが、顧客が同意したことを確認します。"),
    (Key::PurchasesHeading, "3. 購入"),
    (Key::Purchases, "パートナーを通じて購入するには、この契約への同意が記録されている必要があります。"),
    (Key::ValidUntil, "リンクの有効期限: {date} (エミュレーターの時計)。"),
];

fn table(lang: Lang) -> Table {
    match lang {
        Lang::En => EN,
        Lang::De => DE,
        Lang::Es => ES,
        Lang::Fr => FR,
        Lang::It => IT,
        Lang::Ja => JA,
    }
}

fn lookup(table: Table, key: Key) -> Option<&'static str> {
    table.iter().find(|(k, _)| *k == key).map(|(_, text)| *text)
}

/// The string `key` in `lang` (English when the language lacks it: a test keeps that from happening).
pub fn text(lang: Lang, key: Key) -> &'static str {
    lookup(table(lang), key).or_else(|| lookup(EN, key)).unwrap_or_default()
}

/// The string `key` in `lang` with its placeholders filled by `values` (markup: a value may be a
/// `<time>` or a link; text is escaped as usual). A placeholder without a value is left out.
pub fn fill(lang: Lang, key: Key, values: &[(&str, Markup)]) -> Markup {
    let mut out = String::new();
    let mut rest = text(lang, key);
    while let Some((before, after)) = rest.split_once('{') {
        let Some((name, after)) = after.split_once('}') else { break };
        out.push_str(&html! { (before) }.into_string());
        if let Some((_, value)) = values.iter().find(|(n, _)| *n == name) {
            out.push_str(&value.0);
        }
        rest = after;
    }
    out.push_str(&html! { (rest) }.into_string());
    PreEscaped(out)
}

/// The product the agreement's pages show at their top, in `lang`.
pub fn brand(lang: Lang) -> Brand {
    Brand { name: text(lang, Key::BrandName), home: "/", title: text(lang, Key::BrandTitle) }
}

/// The words of the page's shell in `lang`.
pub fn shell(lang: Lang) -> ShellWords<'static> {
    ShellWords {
        lang: lang.tag(),
        skip_link: text(lang, Key::SkipLink),
        badge: text(lang, Key::Badge),
        footer: text(lang, Key::Footer),
    }
}

/// The placeholders of a string (`{company}` → `company`), in order.
pub fn placeholders(text: &str) -> Vec<&str> {
    text.split('{').skip(1).filter_map(|rest| rest.split_once('}').map(|(name, _)| name)).collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn each_of_the_six_languages_has_every_key_once_with_the_same_placeholders() {
        for lang in Lang::ALL {
            let table = table(lang);
            for key in Key::ALL {
                let found: Vec<_> = table.iter().filter(|(k, _)| *k == key).collect();
                assert_eq!(found.len(), 1, "{lang:?} must have {key:?} exactly once");
                let (_, text) = found[0];
                assert!(!text.trim().is_empty(), "{lang:?} {key:?} is empty");
                let mut theirs = placeholders(text);
                let mut english = placeholders(lookup(EN, key).unwrap());
                theirs.sort_unstable();
                english.sort_unstable();
                assert_eq!(theirs, english, "{lang:?} {key:?}: the placeholders of the English");
            }
            assert_eq!(table.len(), Key::ALL.len(), "{lang:?} has a key that is not one of Key::ALL");
        }
    }

    #[test]
    fn all_lists_every_key_once_in_order() {
        for (i, key) in Key::ALL.iter().enumerate() {
            assert_eq!(*key as usize, i, "{key:?}");
        }
        assert_eq!(Key::ValidUntil as usize + 1, Key::ALL.len());
    }

    #[test]
    fn other_languages_read_english() {
        assert_eq!(text(Lang::of("pt-BR"), Key::AcceptButton), "Accept");
        assert_eq!(text(Lang::of("de-DE"), Key::AcceptButton), "Annehmen");
        assert_eq!(placeholders("a {x} b {y}"), ["x", "y"]);
    }

    #[test]
    fn placeholders_are_filled_with_escaped_values() {
        let filled = fill(Lang::En, Key::AcceptLabel, &[("company", html! { "<Fabrikam>" })]).into_string();
        assert_eq!(
            filled,
            "I have read the Microsoft Customer Agreement above and I accept it on behalf of &lt;Fabrikam&gt;."
        );
    }
}
