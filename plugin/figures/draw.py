"""Draw every exercise figure from one set of body parts, so all share one style.

Run ``python -m plugin.figures.draw`` to rewrite plugin/figures/svg/; a test fails when
a committed SVG differs from what this module draws. docs/figures.md describes the style.

The body is one figure of fixed proportions (``BODY``), posed by joint angles: angles
are in degrees on screen, 0 pointing right and 90 pointing down (SVG's y grows down).
Every line has the same width; colour says what a line is: the near side of the body,
the far side, equipment, a dashed earlier position, or the movement arrow. No <text>:
nothing depends on fonts, so every machine renders the same picture.
"""

from __future__ import annotations

import math
import sys
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from xml.sax.saxutils import escape

from plugin.catalog.figures import FIGURES, Figure

Point = tuple[float, float]

WIDTH, HEIGHT = 240, 160
STROKE = 5
FLOOR_Y = 150.0
ON_FLOOR = FLOOR_Y - STROKE - 3  # where a body lying on the floor runs: just clear of the floor line

# One palette. Near and far sides differ in tone so crossing limbs stay apart, also in grey print.
INK = "#1d2125"  # near side of the body, head
FAR = "#66707a"  # far side of the body
PROP = "#98a1a9"  # floor, wall, chair, band, pole, blocks
GHOST = "#b4bcc3"  # the dashed earlier position
MOTION = "#0b5cad"  # the movement arrow
PAPER = "#ffffff"
DASH = "6 8"


@dataclass(frozen=True)
class Body:
    """Segment lengths in drawing units: the same person in every figure."""

    head_r: float = 9
    neck: float = 4
    torso: float = 42  # hip joint to shoulder joint
    upper_arm: float = 26
    forearm: float = 24  # to the fingertips
    thigh: float = 34
    shin: float = 32
    foot: float = 11


BODY = Body()


def at(start: Point, angle: float, length: float) -> Point:
    """The point ``length`` away from ``start`` in direction ``angle``."""
    rad = math.radians(angle)
    return (start[0] + length * math.cos(rad), start[1] + length * math.sin(rad))


def angle_to(start: Point, end: Point) -> float:
    return math.degrees(math.atan2(end[1] - start[1], end[0] - start[0]))


def bend(root: Point, tip: Point, first: float, second: float, side: int) -> Point:
    """The middle joint of a two-part limb from ``root`` to ``tip`` (elbow, knee).

    ``side`` +1 or -1 chooses which way the joint bends; a target out of reach
    straightens the limb toward it.
    """
    distance = math.dist(root, tip)
    distance = min(distance, first + second - 1e-6)
    cos_a = (first**2 + distance**2 - second**2) / (2 * first * distance)
    spread = math.degrees(math.acos(max(-1.0, min(1.0, cos_a))))
    return at(root, angle_to(root, tip) + side * spread, first)


@dataclass
class Sketch:
    """SVG elements in drawing order (later ones cover earlier ones)."""

    elements: list[str] = field(default_factory=list)

    def line(self, points: list[Point], colour: str = INK, dashed: bool = False) -> None:
        data = " ".join(f"{_n(x)},{_n(y)}" for x, y in points)
        dash = f' stroke-dasharray="{DASH}"' if dashed else ""
        self.elements.append(f'<polyline points="{data}" stroke="{colour}"{dash}/>')

    def head(self, centre: Point, colour: str = INK, dashed: bool = False) -> None:
        if dashed:
            self.elements.append(
                f'<circle cx="{_n(centre[0])}" cy="{_n(centre[1])}" r="{_n(BODY.head_r - STROKE / 2)}" '
                f'stroke="{colour}" stroke-dasharray="4 5"/>'
            )
        else:
            self.elements.append(
                f'<circle cx="{_n(centre[0])}" cy="{_n(centre[1])}" r="{_n(BODY.head_r)}" fill="{colour}" '
                'stroke="none"/>'
            )

    def rect(self, x: float, y: float, w: float, h: float, colour: str = PROP, fill: str = "none") -> None:
        self.elements.append(
            f'<rect x="{_n(x)}" y="{_n(y)}" width="{_n(w)}" height="{_n(h)}" rx="2" stroke="{colour}" '
            f'fill="{fill}"/>'
        )

    def ellipse(self, centre: Point, rx: float, ry: float, colour: str = PROP, fill: str = "none") -> None:
        self.elements.append(
            f'<ellipse cx="{_n(centre[0])}" cy="{_n(centre[1])}" rx="{_n(rx)}" ry="{_n(ry)}" '
            f'stroke="{colour}" fill="{fill}"/>'
        )

    def raw(self, element: str) -> None:
        self.elements.append(element)

    def floor(self, x0: float, x1: float) -> None:
        self.line([(x0, FLOOR_Y), (x1, FLOOR_Y)], PROP)

    def arrow_head(self, tip: Point, direction: float, colour: str = MOTION) -> None:
        back_left = at(tip, direction + 180 - 28, 12)
        back_right = at(tip, direction + 180 + 28, 12)
        data = " ".join(f"{_n(x)},{_n(y)}" for x, y in (tip, back_left, back_right))
        self.elements.append(f'<polygon points="{data}" fill="{colour}" stroke="none"/>')

    def arrow(self, start: Point, end: Point) -> None:
        """A straight movement arrow from ``start`` to the tip at ``end``."""
        direction = angle_to(start, end)
        self.line([start, at(end, direction + 180, 6)], MOTION)
        self.arrow_head(end, direction)

    def arc_arrow(self, centre: Point, radius: float, start: float, end: float, both: bool = False) -> None:
        """A movement arrow along a circle around ``centre`` from angle ``start`` to ``end``."""
        sweep = 1 if end > start else 0
        turn = 1 if sweep else -1
        trim = math.degrees(6 / radius)  # leave room for the arrow head at the tip
        first = start + turn * trim if both else start
        last = end - turn * trim
        p0, p1 = at(centre, first, radius), at(centre, last, radius)
        large = 1 if abs(last - first) > 180 else 0
        self.elements.append(
            f'<path d="M{_n(p0[0])},{_n(p0[1])} A{_n(radius)},{_n(radius)} 0 {large} {sweep} '
            f'{_n(p1[0])},{_n(p1[1])}" stroke="{MOTION}"/>'
        )
        self.arrow_head(at(centre, end, radius), end + turn * 90)
        if both:
            self.arrow_head(at(centre, start, radius), start - turn * 90)

    def svg(self, figure: Figure) -> str:
        body = "\n".join(self.elements)
        return (
            f'<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 {WIDTH} {HEIGHT}" width="{WIDTH}" '
            f'height="{HEIGHT}" role="img" aria-labelledby="title" aria-describedby="desc" '
            f'fill="none" stroke-width="{STROKE}" stroke-linecap="round" stroke-linejoin="round">\n'
            f'<title id="title">{escape(figure.title)}</title>\n'
            f'<desc id="desc">{escape(figure.desc)}</desc>\n'
            f"{body}\n</svg>\n"
        )


def _n(value: float) -> str:
    """A coordinate with one decimal, no trailing zeros: small files, stable output."""
    text = f"{value:.1f}".rstrip("0").rstrip(".")
    return "0" if text == "-0" else text


# --- body parts ---------------------------------------------------------------


def leg(hip: Point, thigh: float, shin: float, toes: float | None = None) -> list[Point]:
    """Hip, knee, ankle, toes; the toes point ``toes`` (default: at a right angle, to the front)."""
    knee = at(hip, thigh, BODY.thigh)
    ankle = at(knee, shin, BODY.shin)
    return [hip, knee, ankle, at(ankle, shin - 90 if toes is None else toes, BODY.foot)]


def leg_to(hip: Point, ankle: Point, side: int, toes: float) -> list[Point]:
    """A leg from ``hip`` to ``ankle``, the knee bending to ``side``."""
    knee = bend(hip, ankle, BODY.thigh, BODY.shin, side)
    ankle = at(knee, angle_to(knee, ankle), BODY.shin)
    return [hip, knee, ankle, at(ankle, toes, BODY.foot)]


def straight_leg(hip: Point, ankle: Point, toes: float) -> list[Point]:
    """A straight leg from ``hip`` toward ``ankle`` (knee locked, never bent backward)."""
    angle = angle_to(hip, ankle)
    return leg(hip, angle, angle, toes=toes)


def arm(shoulder: Point, upper: float, fore: float) -> list[Point]:
    elbow = at(shoulder, upper, BODY.upper_arm)
    return [shoulder, elbow, at(elbow, fore, BODY.forearm)]


def arm_to(shoulder: Point, hand: Point, side: int) -> list[Point]:
    """An arm reaching from ``shoulder`` to ``hand``, the elbow bending to ``side``."""
    elbow = bend(shoulder, hand, BODY.upper_arm, BODY.forearm, side)
    return [shoulder, elbow, at(elbow, angle_to(elbow, hand), BODY.forearm)]


def trunk(hip: Point, angle: float, neck: float | None = None) -> tuple[Point, Point]:
    """Shoulder and head centre for a straight back at ``angle`` from the hip."""
    shoulder = at(hip, angle, BODY.torso)
    head = at(shoulder, angle if neck is None else neck, BODY.neck + BODY.head_r)
    return shoulder, head


def chair(sketch: Sketch, front: float, back: float, seat_y: float, back_top: float | None = None) -> None:
    """A chair from the side: seat from ``front`` to ``back`` (x), legs, and a backrest."""
    inset = 3 if back > front else -3
    sketch.line([(front, seat_y), (back, seat_y)], PROP)
    sketch.line([(front + inset, seat_y), (front + inset, FLOOR_Y)], PROP)
    sketch.line([(back - inset, FLOOR_Y), (back - inset, seat_y), (back, seat_y)], PROP)
    if back_top is not None:
        sketch.line([(back, seat_y), (back, back_top)], PROP)


# --- the figures --------------------------------------------------------------


def _contract_relax(foot_turn: float) -> Sketch:
    """Heel on a chair, leg straight, leaning from the hips with a straight back (seed 000).

    The inset shows the foot on the seat from the front, the person's right foot: its big
    toe is on our right, so turning in (toward the other leg) turns the toes to our right.
    """
    s = Sketch()
    seat_y = 110.0
    heel = (154.0, seat_y - STROKE)
    hip = (heel[0] - math.sqrt((BODY.thigh + BODY.shin) ** 2 - (heel[1] - 80) ** 2), 80.0)
    s.floor(40, 200)
    chair(s, 140, 182, seat_y, back_top=72)
    # Standing leg (far side), straight down, foot flat.
    s.line(leg(hip, 92, 92, toes=0), FAR)
    shoulder, head = trunk(hip, -48)
    far_hand = at(hip, angle_to(hip, heel), 30)
    s.line(arm_to(shoulder, (far_hand[0] + 3, far_hand[1] - 2), 1), FAR)
    # The raised leg: straight, heel on the seat, toes to the ceiling.
    raised = angle_to(hip, heel)
    s.line(leg(hip, raised, raised, toes=-82), INK)
    s.line([hip, shoulder], INK)
    s.head(head)
    s.line(arm_to(shoulder, at(hip, raised, 28), 1), INK)
    # The push: the heel presses down into the seat.
    s.arrow((heel[0] - 13, heel[1] - 30), (heel[0] - 13, heel[1] - 11))
    _foot_inset(s, (204.0, 34.0), foot_turn)
    return s


def _foot_inset(s: Sketch, centre: Point, turn: float) -> None:
    cx, cy = centre
    s.raw(f'<circle cx="{_n(cx)}" cy="{_n(cy)}" r="30" stroke="{GHOST}"/>')
    heel = (cx, cy + 18)
    s.line([(cx - 20, cy + 24), (cx + 20, cy + 24)], PROP)  # the seat's edge, seen from the front
    if turn:
        s.raw(_sole(heel, 0, f'fill="{GHOST}" stroke="none"'))
        s.arc_arrow(heel, 43, -90 + (8 if turn > 0 else -8), -90 + turn + (2 if turn > 0 else -2))
    s.raw(_sole(heel, turn, f'fill="{INK}" stroke="none"'))


def _sole(heel: Point, turn: float, paint: str) -> str:
    """The sole of a right foot seen from the front, toes up, turned ``turn`` degrees about the heel."""
    path = (
        "M-5,0 C-8,-9 -9,-19 -7,-25 C-5,-31 5,-32 8,-27 C10,-20 8,-9 5,0 C3,3 -3,3 -5,0 Z "
        "M4.5,-36.5 a4,4 0 1,0 0.1,0 Z M-1.5,-37 a2.4,2.4 0 1,0 0.1,0 Z "
        "M-5.5,-35 a2.2,2.2 0 1,0 0.1,0 Z M-8.5,-31.5 a2,2 0 1,0 0.1,0 Z"
    )
    return f'<path transform="translate({_n(heel[0])},{_n(heel[1])}) rotate({_n(turn)})" d="{path}" {paint}/>'


def contract_relax() -> Sketch:
    return _contract_relax(0)


def contract_relax_foot_in() -> Sketch:
    return _contract_relax(35)


def contract_relax_foot_out() -> Sketch:
    return _contract_relax(-35)


def _lying_back(hip: Point) -> tuple[Point, Point]:
    """Shoulder and head of a person lying on the back, head to the left, resting on the floor."""
    shoulder = at(hip, 180, BODY.torso)
    head = (shoulder[0] - BODY.neck - BODY.head_r + 1, ON_FLOOR - BODY.head_r + STROKE / 2 + 1)
    return shoulder, head


def lying_hamstring() -> Sketch:
    """On the back, one knee bent; the other leg held behind the calf, knee straightening (seed 001)."""
    s = Sketch()
    hip = (132.0, ON_FLOOR)
    shoulder, head = _lying_back(hip)
    s.floor(40, 215)
    s.line(leg_to(hip, (186, ON_FLOOR - 2), -1, toes=0), FAR)  # knee bent, foot flat
    thigh = -112.0
    knee = at(hip, thigh, BODY.thigh)
    start_shin = -14.0
    # Earlier: knee bent, then straightened toward the dashed-to-solid arrow.
    s.line(leg(hip, thigh, start_shin)[1:], GHOST, dashed=True)
    s.arc_arrow(knee, BODY.shin + 12, start_shin - 6, thigh + 6)
    s.line([hip, shoulder], INK)
    s.head(head)
    s.line(leg(hip, thigh, thigh), INK)
    # Both hands behind the middle of the calf; the far arm hides behind the near one.
    s.line(arm_to(shoulder, at(knee, thigh, 8), -1), INK)
    return s


def _band(other_knee_bent: bool) -> Sketch:
    """On the back, band around the foot of the straight raised leg, pulled toward the chest."""
    s = Sketch()
    hip = (128.0, ON_FLOOR)
    shoulder, head = _lying_back(hip)
    s.floor(30, 222)
    if other_knee_bent:
        s.line(leg_to(hip, (184, ON_FLOOR - 2), -1, toes=0), FAR)
    else:
        s.line(leg(hip, 0, 0, toes=-88), FAR)
    raised = -98.0
    points = leg(hip, raised, raised)
    ankle, toes = points[2], points[3]
    hands = (shoulder[0] + 10, shoulder[1] - 18)
    # The band runs from the hands round the sole (heel to the ball of the foot) and back.
    sole_heel = at(ankle, raised, 4)
    sole_ball = at(toes, raised, 4)
    s.line([hip, shoulder], INK)
    s.head(head)
    s.line(points, INK)
    s.line([hands, at(sole_ball, raised, 3), at(sole_heel, raised, 3), hands], PROP)
    s.line(arm_to(shoulder, hands, 1), INK)  # elbows on the floor; the far arm hides behind
    s.arc_arrow(hip, BODY.thigh + BODY.shin + 18, raised + 22, raised - 14)
    return s


def band_hamstring() -> Sketch:
    return _band(other_knee_bent=False)


def band_hamstring_easier() -> Sketch:
    return _band(other_knee_bent=True)


def standing_forward_bend() -> Sketch:
    """Standing, legs fairly straight, folded from the waist, arms hanging toward the toes (003, 004)."""
    s = Sketch()
    ankle = (108.0, ON_FLOOR + 1)
    hip = (100.0, ankle[1] - BODY.thigh - BODY.shin + 1)
    s.floor(40, 200)
    # Earlier: standing tall.
    up_shoulder, up_head = trunk(hip, -90)
    s.line([hip, up_shoulder], GHOST, dashed=True)
    s.head(up_head, GHOST, dashed=True)
    s.arc_arrow(hip, 64, -84, 24)
    legs = straight_leg(hip, ankle, toes=0)
    s.line([(x + 4, y) for x, y in legs[:3]] + [(legs[3][0] + 4, legs[3][1])], FAR)
    shoulder, head = trunk(hip, 30, neck=42)
    s.line(arm_to((shoulder[0] + 3, shoulder[1]), (shoulder[0] + 1, ankle[1] - 4), -1), FAR)
    s.line(legs, INK)
    s.line([hip, shoulder], INK)
    s.head(head)
    s.line(arm_to(shoulder, (shoulder[0] - 3, ankle[1] - 3), -1), INK)
    return s


def seated_two_chair() -> Sketch:
    """Sitting on one chair, one straight leg on the facing chair, reaching for its toes (003)."""
    s = Sketch()
    seat_y = 114.0
    s.floor(20, 220)
    chair(s, 84, 42, seat_y, back_top=62)
    chair(s, 126, 170, seat_y, back_top=62)
    hip = (70.0, seat_y - STROKE)
    # Earlier: sitting up.
    up_shoulder, up_head = trunk(hip, -90)
    s.line([hip, up_shoulder], GHOST, dashed=True)
    s.head(up_head, GHOST, dashed=True)
    s.arc_arrow(hip, 66, -82, -56)
    s.line(leg_to(hip, (104, ON_FLOOR - 2), -1, toes=0), FAR)  # the other foot on the floor
    straight = leg(hip, 0, 0, toes=-84)
    shoulder, head = trunk(hip, -52)
    toes = straight[3]
    s.line(arm_to(shoulder, (toes[0] - 12, toes[1] + 4), 1), FAR)
    s.line([hip, shoulder], INK)
    s.head(head)
    s.line(straight, INK)
    s.line(arm_to(shoulder, (toes[0] - 9, toes[1] + 1), 1), INK)
    return s


def legs_up_wall() -> Sketch:
    """On the back, seat at the wall, both legs up it, pillow under the head (003)."""
    s = Sketch()
    wall_x = 186.0
    hip = (wall_x - 8, ON_FLOOR)
    shoulder = at(hip, 180, BODY.torso)
    s.floor(40, wall_x)
    s.line([(wall_x, FLOOR_Y), (wall_x, 8)], PROP)
    s.ellipse((shoulder[0] - 16, FLOOR_Y - 5), 14, 3)  # the pillow
    head = (shoulder[0] - 15, FLOOR_Y - 10 - BODY.head_r)
    # Earlier: knees a little bent, away from the wall; the arrow presses them back.
    bent_knee = (hip[0] - 9, hip[1] - BODY.thigh + 1)
    s.line([hip, bent_knee, (hip[0], hip[1] - BODY.thigh - BODY.shin + 3)], GHOST, dashed=True)
    s.arrow((bent_knee[0] - 26, bent_knee[1]), (bent_knee[0] - 6, bent_knee[1]))
    s.line(leg(hip, -90, -90, toes=176), FAR)
    s.line([hip, shoulder], INK)
    s.line([shoulder, head], INK)
    s.head(head)
    s.line([(x - 1, y) for x, y in leg(hip, -90, -90, toes=180)], INK)
    s.line(arm(shoulder, 4, -36), INK)  # hands resting on the belly
    return s


def knees_to_chest() -> Sketch:
    """On the back, both knees drawn to the chest with the hands (003)."""
    s = Sketch()
    hip = (136.0, ON_FLOOR)
    shoulder, head = _lying_back(hip)
    s.floor(40, 220)
    # Earlier: knees bent, feet flat.
    start = leg_to(hip, (190, ON_FLOOR - 2), -1, toes=0)
    s.line(start, GHOST, dashed=True)
    s.arc_arrow(hip, 64, angle_to(hip, start[1]) + 4, -124)
    thigh, shin = -150.0, -58.0
    s.line(leg(hip, thigh + 4, shin + 4, toes=-140), FAR)
    s.line([hip, shoulder], INK)
    s.head(head)
    near = leg(hip, thigh, shin, toes=-144)
    s.line(near, INK)
    # The hands hold the shins just below the knees; the elbows point out to the sides, toward
    # us, so the arm looks shorter than it is.
    hand = at(near[1], shin, 7)
    middle = ((shoulder[0] + hand[0]) / 2, (shoulder[1] + hand[1]) / 2)
    s.line([shoulder, at(middle, angle_to(shoulder, hand) - 90, 6), hand], INK)
    return s


def standing_trunk_rotation() -> Sketch:
    """From the front: a pole across the shoulders behind the neck, arms draped over it (004)."""
    s = Sketch()
    cx = 120.0
    shoulder_y = 46.0
    pelvis_y = shoulder_y + BODY.torso
    s.floor(70, 170)
    pole_y = shoulder_y - 5
    s.line([(14, pole_y), (226, pole_y)], PROP)
    for side in (-1, 1):
        hip = (cx + side * 8, pelvis_y)
        s.line(
            [
                hip,
                (cx + side * 11, FLOOR_Y - STROKE - BODY.shin),
                (cx + side * 12, ON_FLOOR + 1),
                (cx + side * 21, ON_FLOOR + 1),
            ],
            INK,
        )
        shoulder = (cx + side * 17, shoulder_y)
        elbow = (shoulder[0] + side * BODY.upper_arm, shoulder_y + 2)
        wrist = (elbow[0] + side * 15, pole_y - 5)
        s.line([(cx, shoulder_y), shoulder, elbow, wrist, (wrist[0] + side * 4, pole_y + 10)], INK)
    s.line([(cx - 8, pelvis_y), (cx + 8, pelvis_y)], INK)
    s.line([(cx, pelvis_y), (cx, shoulder_y - BODY.neck)], INK)
    s.head((cx, shoulder_y - BODY.neck - BODY.head_r))
    # The turn: an arc in front of the waist, both ways.
    waist = pelvis_y - 12
    s.raw(
        f'<path d="M{_n(cx - 40)},{_n(waist - 3)} A44,13 0 0 0 {_n(cx + 40)},{_n(waist - 3)}" '
        f'stroke="{MOTION}"/>'
    )
    s.arrow_head((cx - 42, waist - 6), -115)
    s.arrow_head((cx + 42, waist - 6), -65)
    _turn_inset(s, (202.0, 114.0))
    return s


def _turn_inset(s: Sketch, centre: Point) -> None:
    """The same person from above: the pole through the shoulders sweeping both ways."""
    cx, cy = centre
    s.raw(f'<circle cx="{_n(cx)}" cy="{_n(cy)}" r="30" stroke="{GHOST}"/>')
    for turn in (-30, 30):
        s.line([at(centre, turn, 24), at(centre, turn + 180, 24)], GHOST, dashed=True)
    s.line([(cx - 24, cy), (cx + 24, cy)], PROP)
    s.ellipse((cx, cy), 11, 6, INK, fill=PAPER)  # the shoulders from above
    s.head((cx, cy + 1))
    s.arc_arrow(centre, 23, 48, 132, both=True)


def yoga_block_forward_fold() -> Sketch:
    """Folded from the hips with a long back, each hand on a yoga block (002)."""
    s = Sketch()
    ankle = (104.0, ON_FLOOR + 1)
    hip = (98.0, ankle[1] - BODY.thigh - BODY.shin + 1)
    s.floor(40, 200)
    shoulder, head = trunk(hip, 3, neck=24)
    s.arc_arrow(hip, 60, -74, -14)
    hand_y = shoulder[1] + BODY.upper_arm + BODY.forearm - 3
    # A block on its end under each hand; the far one stands a little further off.
    s.rect(shoulder[0] + 1, hand_y + 1, 18, FLOOR_Y - 4 - hand_y, PROP, fill=PAPER)
    legs = straight_leg(hip, ankle, toes=0)
    s.line([(x + 4, y) for x, y in legs], FAR)
    s.line(arm_to((shoulder[0] + 4, shoulder[1]), (shoulder[0] + 9, hand_y - 2), 1), FAR)
    s.rect(shoulder[0] - 11, hand_y + 5, 18, FLOOR_Y - 4 - hand_y - 4, PROP, fill=PAPER)
    s.line(legs, INK)
    s.line([hip, shoulder], INK)
    s.head(head)
    s.line(arm_to(shoulder, (shoulder[0] - 2, hand_y + 3), 1), INK)
    return s


DRAWINGS: dict[str, Callable[[], Sketch]] = {
    "contract-relax-hamstring": contract_relax,
    "contract-relax-hamstring-foot-in": contract_relax_foot_in,
    "contract-relax-hamstring-foot-out": contract_relax_foot_out,
    "lying-hamstring": lying_hamstring,
    "standing-forward-bend": standing_forward_bend,
    "seated-two-chair-hamstring": seated_two_chair,
    "band-hamstring": band_hamstring,
    "band-hamstring-easier": band_hamstring_easier,
    "legs-up-wall-hamstring": legs_up_wall,
    "knees-to-chest": knees_to_chest,
    "standing-trunk-rotation": standing_trunk_rotation,
    "yoga-block-forward-fold": yoga_block_forward_fold,
}

SVG_DIR = Path(__file__).resolve().parent / "svg"


def render(figure: Figure) -> str:
    """The SVG document of one figure."""
    return DRAWINGS[figure.id]().svg(figure)


def main(argv: list[str] | None = None) -> int:
    """Write every figure to plugin/figures/svg/ (or to the folder given)."""
    args = sys.argv[1:] if argv is None else argv
    folder = Path(args[0]) if args else SVG_DIR
    folder.mkdir(parents=True, exist_ok=True)
    for figure in FIGURES:
        (folder / f"{figure.id}.svg").write_text(render(figure), encoding="utf-8")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
