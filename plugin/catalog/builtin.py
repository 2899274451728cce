"""The built-in catalog, taken from the seed articles listed in docs/sources.md.

Facts (holds, reps, sets, sides, frequency, equipment, cautions) come from the
seed named in each exercise's ``source``; every instruction is our own wording.
Where a seed gives no number, the dose says so in ``assumed``. Every text a person
reads is marked ``N_`` for the gettext catalogs and written in a language by
``plugin.catalog.localize`` (docs/i18n.md#catalogs); the citations stay as the
articles give them.
"""

from __future__ import annotations

from plugin.catalog.model import (
    Caution,
    CautionKind,
    Citation,
    Dose,
    Exercise,
    Focus,
    Frequency,
    Progression,
    Routine,
    RoutineEntry,
)
from plugin.i18n import N_

SEED_CONTRACT_RELAX = "000_1d2406498111ace2.txt"
SEED_LYING = "001_88d1c390bc81f492.txt"
SEED_YOGA_BLOCKS = "002_6f551bdf3fe5051e.txt"
SEED_HOME_ROUTINE = "003_bcc02b065a3d4c8b.txt"
SEED_FORWARD_BEND_TRUNK = "004_73721d850aef9b19.txt"

# --- sources ----------------------------------------------------------------
# Each seed as a reader would look it up: title, publisher or site and date as the article gives
# them; square brackets mark what the article does not give (docs/sources.md says how each was read).

SOURCES: dict[str, Citation] = {
    citation.file: citation
    for citation in (
        Citation(
            file=SEED_CONTRACT_RELAX,
            title="Hamstrings & Back Pain Relief",
            publisher="[site not named; banner “Health knowledge made personal”]",
            date="Sep 18 2008",
        ),
        Citation(
            file=SEED_LYING,
            title="Hamstring Stretch",
            publisher="backpainblog.com",
            date="[no date given]",
        ),
        Citation(
            file=SEED_YOGA_BLOCKS,
            title="[untitled in our copy: seven hamstring stretches for back pain]",
            publisher="BackPain.News (Back Pain News Features, LLC)",
            date="07/30/2019",
            author="Evangelyn Rodriguez",
        ),
        Citation(
            file=SEED_HOME_ROUTINE,
            title="Hamstring Stretches for Lower Back Pain That Works & When to Avoid",
            publisher="[site not named]",
            date="[no date given]",
        ),
        Citation(
            file=SEED_FORWARD_BEND_TRUNK,
            title="Relieve Your Back Pain In Your Own Way",
            publisher="www.orthopaedics.win (Bone Health)",
            date="9/29 [no year given]",
        ),
    )
}


def cite(source: str) -> tuple[Citation, ...]:
    """The citations of an exercise's ``source`` (file names joined by ", "), in that order."""
    return tuple(SOURCES[name] for name in source.split(", "))


# --- cautions ---------------------------------------------------------------

DISC_INJURY = Caution(
    id="disc-injury",
    kind=CautionKind.CONTRAINDICATION,
    text=N_(
        "Do not stretch your hamstrings if you have an intervertebral disc injury: it can make "
        "the back pain worse. Do the knees-to-chest stretch instead."
    ),
    short=N_("Disc injury: skip this, do knees-to-chest"),
)
SCIATICA = Caution(
    id="sciatica",
    kind=CautionKind.CONTRAINDICATION,
    text=N_("With sciatica, wait until the inflammation has settled before you stretch the hamstrings."),
    short=N_("Sciatica: only once inflammation settles"),
)
STOP_IF_PAIN = Caution(
    id="stop-if-pain",
    kind=CautionKind.STOP,
    text=N_(
        "Stop if it hurts. A mild pull is fine; pain is not. If the pain stays, ask a "
        "physiotherapist or doctor before you go on."
    ),
    short=N_("Stop if it hurts"),
)
NO_BOUNCING = Caution(
    id="no-bouncing",
    kind=CautionKind.FORM,
    text=N_("Move slowly and never bounce: fast or jerky stretching can tear the muscle."),
    short=N_("Slowly, no bouncing"),
)
LIGHT_PUSH = Caution(
    id="light-push",
    kind=CautionKind.FORM,
    text=N_("Keep the push light, about 20-30 % of your strength, never a hard contraction."),
    short=N_("Light push, 20-30 %"),
)
NO_OVERSWING = Caution(
    id="no-overswing",
    kind=CautionKind.FORM,
    text=N_("Do not swing the pole further than feels easy: over-rotating can injure a disc."),
    short=N_("Do not over-swing"),
)
STRAIGHT_BACK = Caution(
    id="straight-back",
    kind=CautionKind.FORM,
    text=N_("Keep your back as straight as you can while you lean forward."),
    short=N_("Keep the back straight"),
)

HAMSTRING_CAUTIONS = (DISC_INJURY, SCIATICA, STOP_IF_PAIN, NO_BOUNCING)

ONCE_OR_TWICE = Frequency(1, 2, N_("once or twice a day"))

# --- exercises --------------------------------------------------------------

CONTRACT_RELAX = Exercise(
    id="contract-relax-hamstring",
    name=N_("Contract-relax hamstring stretch"),
    focus=Focus.HAMSTRING,
    position=N_("standing, one heel up on a support"),
    equipment=(N_("ledge, table or chair"),),
    steps=(
        N_("Stand facing a ledge, table or chair and rest one heel on it, toes toward the ceiling."),
        N_("Lean forward from the hips with a long, straight back until you feel a pull behind the thigh."),
        N_("Keep that stretch and press the heel gently down into the support for 6 seconds."),
        N_("Relax, put the leg down and take one slow, deep breath in and out."),
        N_("Do three pushes in all, then change legs."),
        N_("When both legs are done, repeat everything with the foot turned inward, then turned outward."),
    ),
    dose=Dose(
        sets=3,
        reps=3,
        per_side=True,
        contract_s=6,
        effort_pct=(20, 30),
        rest_s=10,
        assumed=("rest_s",),
    ),
    cautions=(*HAMSTRING_CAUTIONS, LIGHT_PUSH, STRAIGHT_BACK),
    source=SEED_CONTRACT_RELAX,
    citations=cite(SEED_CONTRACT_RELAX),
    frequency=ONCE_OR_TWICE,
    variations=(N_("foot pointing up"), N_("foot turned in"), N_("foot turned out")),
    variation_per_set=True,
    cue=N_("Push the heel down lightly, 20-30 %"),
)

LYING_HAMSTRING = Exercise(
    id="lying-hamstring",
    name=N_("Lying hamstring stretch"),
    focus=Focus.HAMSTRING,
    position=N_("lying on your back"),
    equipment=(N_("small rolled towel (optional)"),),
    steps=(
        N_("Lie on your back, knees bent, feet flat and head resting on the floor."),
        N_(
            "Tip the pelvis a little so the low back settles close to the floor; a small rolled towel "
            "under it helps if the back is sore."
        ),
        N_("Bring one knee up and hold the leg with both hands behind the middle of the calf."),
        N_("Draw the leg toward you, then slowly straighten the knee until the back of the thigh stretches."),
        N_("Every few seconds try to straighten the knee a little more."),
        N_("Lower the leg slowly and do the other side."),
    ),
    dose=Dose(reps=1, per_side=True, hold_s=30, hold_range_s=(15, 30), rest_s=5, assumed=("rest_s",)),
    cautions=HAMSTRING_CAUTIONS,
    source=SEED_LYING,
    citations=cite(SEED_LYING),
    frequency=Frequency(1, 3, N_("several times a day")),
    cue=N_("Straighten the knee a little more every few seconds"),
)

STANDING_FORWARD_BEND = Exercise(
    id="standing-forward-bend",
    name=N_("Standing forward bend (toe reach)"),
    focus=Focus.HAMSTRING,
    position=N_("standing"),
    equipment=(),
    steps=(
        N_("Stand tall with your legs fairly straight."),
        N_("Fold forward slowly from the waist and let your arms hang toward the floor."),
        N_("Reach for your toes only as far as comes easily, then stay there."),
        N_("If the toes are easy, fold further and wrap your arms around your knees."),
        N_("Roll up slowly to standing."),
    ),
    dose=Dose(sets=2, reps=1, hold_s=30, hold_range_s=(30, 45), rest_s=15, assumed=("rest_s",)),
    cautions=(*HAMSTRING_CAUTIONS, STRAIGHT_BACK),
    source=f"{SEED_HOME_ROUTINE}, {SEED_FORWARD_BEND_TRUNK}",
    citations=cite(f"{SEED_HOME_ROUTINE}, {SEED_FORWARD_BEND_TRUNK}"),
    frequency=Frequency(1, 1, N_("two sets a day")),
    cue=N_("Slowly to your limit, then hold"),
)

SEATED_TWO_CHAIR = Exercise(
    id="seated-two-chair-hamstring",
    name=N_("Seated two-chair hamstring stretch"),
    focus=Focus.HAMSTRING,
    position=N_("seated"),
    equipment=(N_("two chairs of the same height"),),
    steps=(
        N_("Set two chairs of the same height facing each other."),
        N_("Sit on one and rest one leg, straight, on the seat of the other."),
        N_("Reach toward the toes of that foot, then sit back up."),
        N_("Reach four times, then switch legs."),
    ),
    dose=Dose(reps=4, per_side=True, tempo_s=5, rest_s=2, assumed=("tempo_s", "rest_s")),
    cautions=(*HAMSTRING_CAUTIONS, STRAIGHT_BACK),
    source=SEED_HOME_ROUTINE,
    citations=cite(SEED_HOME_ROUTINE),
    frequency=ONCE_OR_TWICE,
    cue=N_("Reach for the toes, four times"),
)

BAND_HAMSTRING = Exercise(
    id="band-hamstring",
    name=N_("Lying band or towel hamstring stretch"),
    focus=Focus.HAMSTRING,
    position=N_("lying on your back on a mat"),
    equipment=(N_("exercise band or towel"), N_("mat")),
    steps=(
        N_("Lie on your back on a mat and loop a band or towel around one foot."),
        N_("Lift that leg and keep it straight while you slowly pull the band toward your chest."),
        N_("Stop where you feel the stretch along the back of the thigh and behind the knee."),
        N_("To keep the knee straight, hold the band in one hand and press the thigh back with the other."),
        N_("For an easier stretch, bend the other knee with that foot flat on the floor."),
        N_("Change legs."),
    ),
    dose=Dose(reps=1, per_side=True, hold_s=30, rest_s=5, assumed=("hold_s", "rest_s")),
    cautions=HAMSTRING_CAUTIONS,
    source=SEED_HOME_ROUTINE,
    citations=cite(SEED_HOME_ROUTINE),
    frequency=ONCE_OR_TWICE,
    variations=(N_("band"), N_("towel held at both ends"), N_("easier: other knee bent, foot flat")),
    cue=N_("Keep the raised leg straight"),
)

LEGS_UP_WALL = Exercise(
    id="legs-up-wall-hamstring",
    name=N_("Legs-up-the-wall hamstring stretch"),
    focus=Focus.HAMSTRING,
    position=N_("lying on your back, legs up a wall"),
    equipment=(N_("wall"), N_("mat"), N_("pillow (optional)")),
    steps=(
        N_("Lie on a mat with your seat close to a wall and both legs resting up the wall."),
        N_("Keep your back flat on the floor; a pillow under the head makes it more comfortable."),
        N_("Slowly press the backs of the knees toward the wall to straighten the legs."),
        N_("Hold the press for 40 seconds, then let go."),
    ),
    dose=Dose(reps=6, reps_range=(6, 8), hold_s=40, rest_s=10, assumed=("rest_s",)),
    cautions=HAMSTRING_CAUTIONS,
    source=SEED_HOME_ROUTINE,
    citations=cite(SEED_HOME_ROUTINE),
    frequency=ONCE_OR_TWICE,
    cue=N_("Knees back toward the wall, 40 s"),
)

KNEES_TO_CHEST = Exercise(
    id="knees-to-chest",
    name=N_("Knees-to-chest stretch"),
    focus=Focus.HAMSTRING,
    position=N_("lying on your back"),
    equipment=(N_("mat"),),
    steps=(
        N_("Lie on your back on a mat with knees bent."),
        N_("Draw both knees up toward your chest (or toward your shoulders) with your hands."),
        N_("Stay there, breathing easily, then lower the feet slowly to the floor."),
    ),
    dose=Dose(reps=3, hold_s=20, rest_s=10, assumed=("reps", "hold_s", "rest_s")),
    cautions=(STOP_IF_PAIN,),
    source=SEED_HOME_ROUTINE,
    citations=cite(SEED_HOME_ROUTINE),
    frequency=ONCE_OR_TWICE,
    cue=N_("Knees gently to the chest"),
    alternative_to=N_("hamstring stretches, for people with an intervertebral disc injury"),
)

TRUNK_ROTATION = Exercise(
    id="standing-trunk-rotation",
    name=N_("Standing trunk rotation with a pole"),
    focus=Focus.TRUNK,
    position=N_("standing"),
    equipment=(N_("smooth, round, fairly heavy pole about 2 m long (wider than your arms)"),),
    steps=(
        N_("Rest a long pole across your shoulders behind the neck and drape your arms over it."),
        N_("Stand up straight."),
        N_("Turn slowly to the left and then to the right, letting the pole sweep in an easy arc."),
        N_("Keep every turn comfortable and keep going for about three minutes."),
    ),
    dose=Dose(duration_s=180),
    cautions=(STOP_IF_PAIN, NO_OVERSWING),
    source=SEED_FORWARD_BEND_TRUNK,
    citations=cite(SEED_FORWARD_BEND_TRUNK),
    frequency=ONCE_OR_TWICE,
    cue=N_("Slow, easy turns, never forced"),
)

YOGA_BLOCK_FOLD = Exercise(
    id="yoga-block-forward-fold",
    name=N_("Active forward fold with two yoga blocks"),
    focus=Focus.HAMSTRING,
    position=N_("standing"),
    equipment=(N_("two yoga blocks"),),
    steps=(
        N_(
            "Fold forward actively, working the hamstrings rather than hanging in the stretch, "
            "with a yoga block under each hand for support."
        ),
        N_(
            "The source article names this stretch but gives no hold or repetitions: choose a hold "
            "with your physiotherapist."
        ),
    ),
    dose=Dose(),
    cautions=(STOP_IF_PAIN,),
    source=SEED_YOGA_BLOCKS,
    citations=cite(SEED_YOGA_BLOCKS),
    frequency=Frequency(1, 1, N_("once a day")),
    cue=N_("Fold actively, blocks under the hands"),
)

EXERCISES: tuple[Exercise, ...] = (
    CONTRACT_RELAX,
    LYING_HAMSTRING,
    STANDING_FORWARD_BEND,
    SEATED_TWO_CHAIR,
    BAND_HAMSTRING,
    LEGS_UP_WALL,
    KNEES_TO_CHEST,
    TRUNK_ROTATION,
    YOGA_BLOCK_FOLD,
)


# --- progressions ------------------------------------------------------------
# Where an article gives a range, a plan walks it one step a week from its low end to its
# high end and stays there; never beyond what the article gives (docs/catalog.md#progression).
# Where it gives one number (or none), the dose stays as it is.

PROGRESSIONS: dict[str, Progression] = {
    # "Stretch the hamstring for 15-30 seconds" (SEED_LYING).
    LYING_HAMSTRING.id: Progression(hold_s=(15, 20, 25, 30)),
    # "hold the position for 30 – 45 seconds" (SEED_FORWARD_BEND_TRUNK).
    STANDING_FORWARD_BEND.id: Progression(hold_s=(30, 35, 40, 45)),
    # "Repeat exercise for 6-8 times" (SEED_HOME_ROUTINE).
    LEGS_UP_WALL.id: Progression(reps=(6, 7, 8)),
}


def _routine(routine_id: str, name: str, description: str, *exercises: Exercise) -> Routine:
    """A built-in routine of catalog doses, done once or twice a day as the seeds advise."""
    entries = tuple(
        RoutineEntry(exercise=ex, dose=ex.dose, progression=PROGRESSIONS.get(ex.id, Progression()))
        for ex in exercises
    )
    return Routine(
        id=routine_id, name=name, description=description, entries=entries, frequency=ONCE_OR_TWICE
    )


ROUTINES: tuple[Routine, ...] = (
    _routine(
        "daily-hamstring",
        N_("Daily hamstring stretch"),
        N_("Three lying and standing hamstring stretches for tight hamstrings and a sore low back."),
        LYING_HAMSTRING,
        BAND_HAMSTRING,
        STANDING_FORWARD_BEND,
    ),
    _routine(
        "contract-relax",
        N_("Contract-relax hamstring"),
        N_("The heel-on-a-chair contract-relax stretch in three foot positions, each leg."),
        CONTRACT_RELAX,
    ),
    _routine(
        "desk-break",
        N_("Desk-worker hamstring break"),
        N_("Two stretches that need only chairs and a little floor, for a break from sitting."),
        SEATED_TWO_CHAIR,
        STANDING_FORWARD_BEND,
    ),
    _routine(
        "wall-hamstring",
        N_("Legs-up-the-wall hamstring"),
        N_("A gentle lying stretch with both legs up a wall."),
        LEGS_UP_WALL,
    ),
    _routine(
        "trunk-rotation",
        N_("Trunk rotation"),
        N_("Three minutes of slow standing trunk rotation with a pole."),
        TRUNK_ROTATION,
    ),
    _routine(
        "disc-safe",
        N_("Disc-safe back stretch"),
        N_("For people with an intervertebral disc problem, who should not stretch the hamstrings."),
        KNEES_TO_CHEST,
    ),
)
