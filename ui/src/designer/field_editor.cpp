// SPDX-License-Identifier: GPL-3.0-or-later
#include "designer/field_editor.h"

#include "designer/option_help.h"
#include "study/study.h"

#include <QAbstractScrollArea>
#include <QCoreApplication>
#include <QComboBox>
#include <QDoubleSpinBox>
#include <QFileDialog>
#include <QHBoxLayout>
#include <QLineEdit>
#include <QSpinBox>
#include <QToolButton>
#include <QWheelEvent>

#include <cmath>

namespace adamix::ui {

using nlohmann::json;

namespace {

json defaultOf(const QString& pointer) {
  const json::json_pointer ptr(pointer.toStdString());
  const json& defaults = app::runConfigDefaults();
  return defaults.contains(ptr) ? defaults[ptr] : json();
}

int intOr(const json& v, const json& fallback) {
  return v.is_number() ? v.get<int>() : fallback.is_number() ? fallback.get<int>() : 0;
}

double doubleOr(const json& v, const json& fallback) {
  return v.is_number() ? v.get<double>() : fallback.is_number() ? fallback.get<double>() : 0.0;
}

/// A double as JSON with the type of `like`: integral values stay integers when `like` is one.
json numberLike(double v, const json& like) {
  if (like.is_number_integer() && std::isfinite(v) && std::floor(v) == v && std::fabs(v) < 1e15) return json(qint64(v));
  return json(v);
}

QString stringOr(const json& v, const json& fallback) {
  if (v.is_string()) return QString::fromStdString(v.get<std::string>());
  return fallback.is_string() ? QString::fromStdString(fallback.get<std::string>()) : QString();
}

/// The event filter of scrollPastUnfocused(), a child of the editor it guards.
class WheelGuard : public QObject {
 public:
  explicit WheelGuard(QWidget* editor) : QObject(editor), editor_(editor) {}

  bool eventFilter(QObject* watched, QEvent* event) override {
    if (watched != editor_ || event->type() != QEvent::Wheel || editor_->hasFocus()) return false;
    auto* wheel = static_cast<QWheelEvent*>(event);
    QAbstractScrollArea* area = nullptr;
    for (QWidget* w = editor_->parentWidget(); w && !area; w = w->parentWidget())
      area = qobject_cast<QAbstractScrollArea*>(w);
    if (area) {  // the scroll area scrolls as if the wheel were over its own viewport
      QWidget* viewport = area->viewport();
      const QPointF pos = viewport->mapFromGlobal(wheel->globalPosition());
      QWheelEvent scroll(pos, wheel->globalPosition(), wheel->pixelDelta(), wheel->angleDelta(), wheel->buttons(),
                         wheel->modifiers(), wheel->phase(), wheel->inverted(), wheel->source());
      QCoreApplication::sendEvent(viewport, &scroll);
    }
    wheel->accept();  // handled: Qt must not propagate it to the parents as well (a second scroll)
    return true;      // never the editor's: its value stays
  }

 private:
  QWidget* editor_;
};

void makeInt(FieldEditor& e, const json& def) {
  auto* box = new QSpinBox;
  box->setRange(int(e.spec.min), int(e.spec.max));
  if (!e.spec.specialValueText.isEmpty()) box->setSpecialValueText(e.spec.specialValueText);
  box->setSuffix(e.spec.suffix);
  e.widget = e.input = box;
  e.get = [box] { return json(box->value()); };
  e.set = [box, def](const json& v) { box->setValue(intOr(v, def)); };
  e.onChanged = [box](std::function<void()> f) { QObject::connect(box, &QSpinBox::valueChanged, box, f); };
}

void makeDouble(FieldEditor& e, const json& def) {
  auto* box = new QDoubleSpinBox;
  box->setRange(e.spec.min, e.spec.max);
  box->setDecimals(e.spec.decimals);
  e.widget = e.input = box;
  e.get = [box, def] { return numberLike(box->value(), def); };
  e.set = [box, def](const json& v) { box->setValue(doubleOr(v, def)); };
  e.onChanged = [box](std::function<void()> f) { QObject::connect(box, &QDoubleSpinBox::valueChanged, box, f); };
}

void makeChoice(FieldEditor& e, const json& def) {
  auto* combo = new QComboBox;
  combo->addItems(e.spec.choices);
  combo->setEditable(e.spec.editable);
  e.widget = e.input = combo;
  e.get = [combo] { return json(combo->currentText().trimmed().toStdString()); };
  e.set = [combo, def](const json& v) { combo->setCurrentText(stringOr(v, def)); };
  e.onChanged = [combo](std::function<void()> f) { QObject::connect(combo, &QComboBox::currentTextChanged, combo, f); };
}

void makeNumber(FieldEditor& e) {
  auto* edit = new QLineEdit;
  e.widget = e.input = edit;
  e.get = [edit] {
    bool ok = false;
    const double v = edit->text().trimmed().toDouble(&ok);
    return ok ? json(v) : json(edit->text().trimmed().toStdString());
  };
  e.set = [edit](const json& v) {
    edit->setText(v.is_number() ? QString::number(v.get<double>(), 'g', 6) : QString());
  };
  e.onChanged = [edit](std::function<void()> f) { QObject::connect(edit, &QLineEdit::textChanged, edit, f); };
}

void makeDirectory(FieldEditor& e, const json& def) {
  auto* row = new QWidget;
  auto* layout = new QHBoxLayout(row);
  layout->setContentsMargins(0, 0, 0, 0);
  auto* edit = new QLineEdit;
  auto* browse = new QToolButton;
  browse->setText(QStringLiteral("…"));
  browse->setToolTip(QObject::tr("Choose the model directory."));
  layout->addWidget(edit, 1);
  layout->addWidget(browse);
  QObject::connect(browse, &QToolButton::clicked, edit, [edit] {
    const QString d = QFileDialog::getExistingDirectory(edit, QObject::tr("Model directory"), edit->text());
    if (!d.isEmpty()) edit->setText(d);
  });
  e.widget = row;
  e.input = edit;
  e.get = [edit] { return json(edit->text().trimmed().toStdString()); };
  e.set = [edit, def](const json& v) { edit->setText(stringOr(v, def)); };
  e.onChanged = [edit](std::function<void()> f) { QObject::connect(edit, &QLineEdit::textChanged, edit, f); };
}

}  // namespace

FieldEditor makeFieldEditor(const FieldSpec& spec) {
  FieldEditor e;
  e.spec = spec;
  const json def = defaultOf(spec.pointer);
  switch (spec.kind) {
    case FieldKind::Int: makeInt(e, def); break;
    case FieldKind::Double: makeDouble(e, def); break;
    case FieldKind::Choice: makeChoice(e, def); break;
    case FieldKind::Number: makeNumber(e); break;
    case FieldKind::Directory: makeDirectory(e, def); break;
  }
  if (spec.kind == FieldKind::Int || spec.kind == FieldKind::Double || spec.kind == FieldKind::Choice)
    scrollPastUnfocused(e.input);
  const QString help = optionHelp(spec.pointer);
  if (!help.isEmpty()) e.input->setToolTip(help);
  e.input->setProperty("origTip", e.input->toolTip());
  e.input->setProperty("pointer", spec.pointer);
  return e;
}

void scrollPastUnfocused(QWidget* editor) {
  editor->setFocusPolicy(Qt::StrongFocus);
  editor->installEventFilter(new WheelGuard(editor));
}

}  // namespace adamix::ui
