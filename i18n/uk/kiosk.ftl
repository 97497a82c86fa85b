# Kiosk touch page, Ukrainian. Ukrainian has four plural forms (CLDR: one,
# few, many, other); fluent-bundle picks them from $ahead and $wait_min.

language-name = Українська
welcome = Вітаємо
start-prompt = Торкніться своєї мови, щоб отримати номерок
choose-category = З якого питання ви прийшли?
choose-service = Оберіть послугу
back = Назад
start-over = Почати спочатку
priority-title = Чи потрібне вам першочергове обслуговування?
priority-text = Першочергове обслуговування — для людей з інвалідністю, літніх людей і вагітних жінок.
priority-no = Ні, звичайний номерок
priority-yes = Так, мені потрібне першочергове обслуговування
issuing = Видаємо ваш номерок…
retrying = Проблема зі з’єднанням. Пробуємо ще раз…
error-title = На жаль, номерок не видано
error-network = Кіоск не може з’єднатися із сервером. Спробуйте ще раз або зверніться до працівника.
try-again = Спробувати ще раз
no-services = Зараз жодна послуга не доступна. Зверніться, будь ласка, до працівника.
your-number = Ваш номер
priority-mark = Першочергово
ahead = { $ahead ->
    [0] Перед вами нікого немає
    [one] Перед вами { $ahead } особа
    [few] Перед вами { $ahead } особи
   *[other] Перед вами { $ahead } осіб
}
wait = { $wait_min ->
    [0] Вас викличуть дуже скоро
    [one] Орієнтовний час очікування: близько { $wait_min } хвилини
   *[other] Орієнтовний час очікування: близько { $wait_min } хвилин
}
take-ticket = Заберіть, будь ласка, надрукований номерок.
scan = Відскануйте, щоб стежити за своїм місцем у черзі на телефоні
done = Готово
not-set-up-title = Цей кіоск ще не налаштовано
not-set-up-text = Відкрийте цю сторінку з токеном кіоску: /kiosk/#token=…
appointment-button = Я записаний на прийом
appointment-title = Реєстрація на прийом
appointment-prompt = Введіть код із підтвердження запису або відскануйте його QR-код.
check-in = Зареєструватися
checking-in = Реєструємо вас…
check-in-error = На жаль, не вдалося вас зареєструвати
appointment-mark = Запис на прийом
appointment-late = Ви запізнилися: вас обслужать як відвідувача без запису.
error-refused = Кіоск не зміг цього зробити. Зверніться, будь ласка, по допомогу до працівника.
error-service-unavailable = Ця послуга зараз недоступна. Оберіть іншу або зверніться до працівника.
error-appointment-not-found = Запису з таким кодом не знайдено. Перевірте код або зверніться до працівника.
out-of-order-title = Кіоск не працює
out-of-order-text = Попросіть номерок у працівника. Кіоск відновить роботу сам.
language = Мова
code-keys = Клавіші коду
delete-key = Видалити
a11y-button = Доступність
a11y-speech = Читати вголос
a11y-contrast = Висока контрастність
a11y-large = Великий текст
a11y-low = Низьке розташування
