# Waiting-room display (web/display/), Ukrainian. Variables in braces are
# filled in by the page: $n, $h, $m minutes and hours, $number and $desk
# of a call (announced aloud).

now_calling = Зараз викликаємо
called_again = Повторний виклик
no_calls = Будь ласка, чекайте на свій номер
previous_calls = Попередні виклики
service = Послуга
waiting = Чекають
estimated_wait = Орієнтовний час
minutes = { $n } хв
hours_minutes = { $h } год { $m } хв
minutes_range = { $low }–{ $high } хв
under_minute = < 1 хв
no_desk_open = Немає відкритого віконця
reconnecting = Повторне з’єднання…
setup_title = Цей екран ще не налаштовано
setup_text = Відкрийте цю сторінку з токеном екрана: /display/#token=…
token_rejected = Токен екрана не прийнято. Попросіть керівника про нове посилання.
announce = Номер { $number }, віконце { $desk }
announce_named = Номер { $number }, { $desk }
