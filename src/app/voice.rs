//! The spoken prompts (语音播报) as a controller: whether voice is on (the citizen's choice
//! this session, else on in elderly mode and off otherwise; never without a speaker), and
//! what to say after each event — the new page's prompt, the moment that just happened (card
//! read, card not read, receipt printed or on screen, the idle warning). Arriving at the
//! welcome page after a session ended says nothing (nobody is there) and stops speech. The
//! prompts themselves are in [`crate::app::voice_prompts`].

use crate::app::page::PageId;
use crate::app::voice_prompts::{utterance, Cue};
use crate::devices::voice::Voice;
use crate::domain::session::{Event, IdentifyPhase, Session, Step};

/// The speaker and what the app last told it about.
pub struct VoiceGuide {
    voice: Option<Box<dyn Voice>>,
    /// `[voice] enabled`: the kiosk has a speaker.
    available: bool,
    /// The citizen's own choice this session (`None`: follow elderly mode).
    choice: Option<bool>,
    /// What was on screen, whether voice was on and the idle warning showed, last time.
    page: PageId,
    was_on: bool,
    warning: bool,
    /// A reminder to say with the next event's prompts, whatever the voice setting.
    reminder: Option<crate::app::voice_prompts::Cue>,
}

/// A moment worth saying, known from the event before the state machine takes it.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Moment {
    CardRead,
    CardFailed,
    Printed,
    NotPrinted,
}

pub fn moment_of(event: &Event) -> Option<Moment> {
    match event {
        Event::CardRead(_) => Some(Moment::CardRead),
        Event::CardFailed(_) => Some(Moment::CardFailed),
        Event::Printed => Some(Moment::Printed),
        Event::PrintFailed => Some(Moment::NotPrinted),
        _ => None,
    }
}

impl VoiceGuide {
    pub fn new(voice: Option<Box<dyn Voice>>, available: bool, elderly: bool) -> VoiceGuide {
        VoiceGuide {
            voice,
            available,
            choice: None,
            page: PageId::Welcome,
            was_on: available && elderly,
            warning: false,
            reminder: None,
        }
    }

    /// The session ended: the next citizen gets the default again.
    pub fn wipe(&mut self) {
        self.choice = None;
    }

    /// Whether the kiosk has a speaker (`[voice] enabled`): the 语音播报 switch shows.
    pub fn available(&self) -> bool {
        self.available
    }

    /// Whether prompts are spoken now, for a citizen in elderly mode or not.
    pub fn on(&self, elderly: bool) -> bool {
        self.available && self.choice.unwrap_or(elderly)
    }

    /// The citizen's 语音播报 switch.
    pub fn toggle(&mut self, elderly: bool) {
        if self.available {
            self.choice = Some(!self.on(elderly));
        }
    }

    /// Something the citizen must not miss (a card left on the reader): said after the
    /// event in hand (so the session's end does not silence it) wherever the kiosk has a
    /// speaker, whatever the voice setting, since the citizen may be leaving.
    pub fn remind(&mut self, cue: crate::app::voice_prompts::Cue) {
        if self.available {
            self.reminder = Some(cue);
        }
    }

    /// After each event: speaks what changed (`page` is on screen now), or stops speaking.
    pub fn speak_after(&mut self, moment: Option<Moment>, session: &Session, page: PageId) {
        let on = self.on(session.elderly);
        let warning = session.warning_since_ms.is_some();
        let page_changed = self.page != page;
        let was_on = self.was_on;
        let (turned_on, turned_off) = (on && !was_on, !on && was_on);
        let warned = warning && !self.warning;
        (self.page, self.was_on, self.warning) = (page, on, warning);
        let reminder = self.reminder.take();
        let Some(voice) = &self.voice else { return };
        // Back at the welcome page: the session ended, nobody is listening.
        let ended = page_changed && page == PageId::Welcome;
        if turned_off || (ended && was_on) {
            voice.stop();
        }
        if !on {
            if let Some(cue) = reminder {
                voice.say(&utterance(&[cue]));
            }
            return;
        }
        let data = &session.data;
        let mut cues = Vec::new();
        match moment {
            Some(Moment::CardRead) if data.error.is_none() => {
                cues.push(Cue::CardRead);
                let next_card = session.step == Step::Identify && data.identify_phase == IdentifyPhase::Applicant;
                if next_card && !page_changed {
                    cues.push(Cue::ApplicantCard);
                }
            }
            Some(Moment::CardFailed) => cues.push(Cue::CardFailed),
            Some(Moment::Printed) if page == PageId::Receipt => cues.push(Cue::TakeReceiptAndCard),
            Some(Moment::NotPrinted) if page == PageId::Receipt => cues.push(Cue::ReceiptOnScreen),
            _ => {}
        }
        if warned {
            cues.push(Cue::IdleWarning);
        } else if (turned_on || page_changed) && !ended {
            cues.push(Cue::Page(page));
        }
        cues.extend(reminder);
        if !cues.is_empty() {
            voice.say(&utterance(&cues));
        }
    }
}

#[cfg(test)]
mod tests {
    use crate::app::intent::{Intent, JourneyIntent, ProgressIntent};
    use crate::app::kiosk::{AppParts, KioskApp};
    use crate::app::page::PageId;
    use crate::app::voice_prompts::{prompt, Cue};
    use crate::config::Config;
    use crate::devices::printer::profile::profile;
    use crate::devices::voice::SilentVoice;
    use crate::domain::session::{Event, Step};

    fn app(configure: impl FnOnce(&mut Config)) -> (KioskApp, SilentVoice) {
        let mut config = Config::default();
        configure(&mut config);
        let catalogue = crate::app::load_catalogue(&config).unwrap();
        let voice = SilentVoice::new();
        let mut parts = AppParts::bare(profile("generic-80mm").unwrap());
        parts.voice = Some(Box::new(voice.clone()));
        (KioskApp::new(config, catalogue, parts), voice)
    }

    fn page(page: PageId) -> String {
        prompt(Cue::Page(page)).zh.to_string()
    }

    fn with(cues: &[Cue]) -> String {
        cues.iter().map(|c| prompt(*c).zh).collect()
    }

    #[test]
    fn elderly_mode_says_each_page_and_toggling_off_stops() {
        let (mut app, voice) = app(|_| {});
        app.handle(Intent::Start);
        app.handle(Intent::Session(Event::Back));
        assert!(!app.voice_on() && voice.said().is_empty(), "off in normal mode");

        app.handle(Intent::SetElderly(true));
        assert!(app.voice_on());
        app.handle(Intent::Start);
        app.handle(Intent::Journey(JourneyIntent::ChooseItem("HH-006".into())));
        app.handle(Intent::Session(Event::ConfirmGuide));
        app.handle(Intent::Session(Event::CardFailed(
            crate::domain::message::Message::ReaderNoCard,
        )));
        app.handle(Intent::Session(Event::CardRead(Box::new(
            crate::app::sample::applicant(),
        ))));
        assert_eq!(app.session().step, Step::Form);
        assert_eq!(
            voice.take().into_iter().map(|u| u.text).collect::<Vec<_>>(),
            [
                page(PageId::Welcome), // turned on where the citizen is
                page(PageId::Catalogue),
                page(PageId::Guide),
                page(PageId::Identify),
                with(&[Cue::CardFailed]),
                with(&[Cue::CardRead, Cue::Page(PageId::Form)]),
            ]
        );

        app.handle(Intent::ToggleVoice);
        assert!(!app.voice_on());
        assert_eq!(voice.stops(), 1, "what was playing stops");
        app.handle(Intent::Session(Event::Back));
        assert!(voice.said().is_empty(), "nothing said while off");
        app.handle(Intent::ToggleVoice);
        assert_eq!(voice.take()[0].text, page(PageId::Identify), "on again: the page now");

        // The idle warning, then the wipe: silence at the welcome page, the default back.
        app.handle(Intent::ToggleVoice);
        app.handle(Intent::SetElderly(false));
        app.handle(Intent::ToggleVoice);
        assert!(app.voice_on(), "the citizen's choice wins over normal mode");
        voice.take();
        let now = app.clock_ms();
        app.tick_at(now + 10 * 60 * 1000);
        assert!(app.session().warning_since_ms.is_some());
        assert_eq!(voice.take()[0].text, with(&[Cue::IdleWarning]));
        app.tick_at(now + 20 * 60 * 1000);
        assert_eq!(app.session().step, Step::Welcome);
        assert!(!app.voice_on(), "the next citizen gets normal mode's default");
        assert!(voice.said().is_empty());
    }

    #[test]
    fn an_elderly_kiosk_speaks_from_the_start_and_the_wipe_restores_it() {
        let (mut app, voice) = app(|c| c.ui.elderly_mode_default = true);
        assert!(app.voice_on());
        app.handle(Intent::Start);
        assert_eq!(voice.said(), [page(PageId::Catalogue)]);
        app.handle(Intent::ToggleVoice);
        app.handle(Intent::Session(Event::Cancel));
        assert_eq!(app.session().step, Step::Welcome);
        assert!(app.voice_on(), "voice is on again for the next citizen");
        assert_eq!(voice.said().len(), 1, "nothing said to an empty room");
        app.handle(Intent::Progress(ProgressIntent::Open));
        assert_eq!(voice.said()[1], page(PageId::Progress));
    }

    #[test]
    fn receipt_moments_and_a_kiosk_without_a_speaker() {
        let (mut app, voice) = app(|c| c.ui.elderly_mode_default = true);
        let receipt = crate::app::sample::receipt();
        app.stage_receipt(
            receipt,
            crate::domain::session::PrintState::Printing,
            &profile("generic-80mm").unwrap(),
        );
        app.event_at(Event::Touch, 900);
        assert_eq!(voice.take()[0].text, page(PageId::Receipt));
        app.event_at(Event::Printed, 1000);
        app.event_at(Event::PrintFailed, 1100);
        assert_eq!(
            voice.said(),
            [with(&[Cue::TakeReceiptAndCard]), with(&[Cue::ReceiptOnScreen])]
        );

        let (mut app, voice) = app_without_speaker();
        assert!(!app.voice_available() && !app.voice_on());
        app.handle(Intent::ToggleVoice);
        app.handle(Intent::Start);
        assert!(!app.voice_on() && voice.said().is_empty());
    }

    fn app_without_speaker() -> (KioskApp, SilentVoice) {
        app(|c| {
            c.voice.enabled = false;
            c.ui.elderly_mode_default = true;
        })
    }
}
